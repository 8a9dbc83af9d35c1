using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Tests.Storage;

/// <summary>
/// What a store that persists must add to <see cref="PublishingPointStoreConformanceTests"/>: a restarted node (a new
/// store over the same folder or database) has the points the previous one saved.
/// </summary>
public abstract class PersistentPublishingPointStoreConformanceTests : PublishingPointStoreConformanceTests
{
    /// <summary>A new store over the same storage as <see cref="PublishingPointStoreConformanceTests.Store"/>, as a restarted node makes it.</summary>
    protected abstract IPublishingPointStore Reopen();

    [Fact]
    public async Task LoadAndList_NewStoreOverTheSameStorage_SeeWhatTheFirstSaved()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full("one"));
        await Store.SaveAsync("live/event2", StoredSettings.Full("two"));

        var restarted = Reopen();

        (await restarted.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("one"));
        var listed = await restarted.ListAsync();
        listed.Select(p => p.Key).ShouldBe(["live/event1", "live/event2"]);
        listed[1].Value.ShouldMatch(StoredSettings.Full("two"));
    }

    [Fact]
    public async Task DeleteAsync_OnANewStoreOverTheSameStorage_RemovesWhatTheFirstSaved()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full());

        (await Reopen().DeleteAsync("live/event1")).ShouldBeTrue();

        (await Store.LoadAsync("live/event1")).ShouldBeNull();
        (await Reopen().ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveAsync_ByANewStoreOverTheSameStorage_ReplacesWhatTheFirstSaved()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full("before restart"));

        await Reopen().SaveAsync("live/event1", StoredSettings.Full("after restart"));

        (await Store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("after restart"));
    }
}
