using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Tests.Storage;

/// <summary>
/// What every <see cref="IPublishingPointStore"/> must do, from its documentation, run against each implementation by
/// a subclass. Each test starts from an empty store of its own.
/// </summary>
public abstract class PublishingPointStoreConformanceTests : IAsyncLifetime
{
    /// <summary>A store over this test's storage; the first call may create it.</summary>
    protected abstract IPublishingPointStore Store { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task LoadAsync_NothingSaved_ReturnsNull()
    {
        (await Store.LoadAsync("live/event1")).ShouldBeNull();
    }

    [Fact]
    public async Task LoadAsync_AfterSaveOfEveryField_ReturnsEqualSettings()
    {
        var settings = StoredSettings.Full();
        await Store.SaveAsync("live/event1", settings);

        (await Store.LoadAsync("live/event1")).ShouldMatch(settings);
    }

    [Fact]
    public async Task LoadAsync_AfterSaveOfDefaults_ReturnsDefaultsWithoutNestedSettings()
    {
        await Store.SaveAsync("live/event1", new PublishingPointSettings());

        (await Store.LoadAsync("live/event1")).ShouldMatch(new PublishingPointSettings());
    }

    [Fact]
    public async Task LoadAsync_SavedArrayChangedByTheCallerAfterwards_ReturnsWhatWasSaved()
    {
        var settings = StoredSettings.Full();
        await Store.SaveAsync("live/event1", settings);

        settings.PushOutputs[0] = "http://changed:8080/live/other.isml";
        settings.PullInput!.Urls[0] = "http://changed:8080/live/other.isml";

        var loaded = await Store.LoadAsync("live/event1");
        loaded.ShouldNotBeNull();
        loaded.PushOutputs[0].ShouldBe("http://origin-a:8080/live/event1.isml");
        loaded.PullInput!.Urls[0].ShouldBe("http://upstream-1:8080/live/event1.isml");
    }

    [Fact]
    public async Task SaveAsync_SamePathTwice_SecondReplacesFirst()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full("first"));
        var second = new PublishingPointSettings { EventId = "second", LookaheadCount = 0, PushOutputs = ["http://origin-c:8080/live/event1.isml"] };

        await Store.SaveAsync("live/event1", second);

        (await Store.LoadAsync("live/event1")).ShouldMatch(second);
        (await Store.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("live/event1");
    }

    [Fact]
    public async Task DeleteAsync_SavedPoint_ReturnsTrueAndLoadReturnsNull()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full());

        (await Store.DeleteAsync("live/event1")).ShouldBeTrue();

        (await Store.LoadAsync("live/event1")).ShouldBeNull();
        (await Store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_NothingSaved_ReturnsFalse()
    {
        (await Store.DeleteAsync("live/event1")).ShouldBeFalse();
    }

    [Fact]
    public async Task DeleteAsync_AlreadyDeleted_ReturnsFalse()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full());
        await Store.DeleteAsync("live/event1");

        (await Store.DeleteAsync("live/event1")).ShouldBeFalse();
    }

    [Fact]
    public async Task SaveAsync_AfterDelete_StoresAgain()
    {
        await Store.SaveAsync("live/event1", StoredSettings.Full("first"));
        await Store.DeleteAsync("live/event1");

        await Store.SaveAsync("live/event1", StoredSettings.Full("again"));

        (await Store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("again"));
    }

    [Fact]
    public async Task ListAsync_NothingSaved_ReturnsEmpty()
    {
        (await Store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_PointsSavedInAnyOrder_ReturnsEveryOneOrderedByPath()
    {
        // '-' and '.' sort before '/', so listing folder by folder would put "live/a" before "live-2".
        string[] paths = ["live/b", "vod.x", "live", "live/a/deeper", "live-2", "live/a", "live.x", "a"];
        foreach (var path in paths)
        {
            await Store.SaveAsync(path, StoredSettings.Full(path));
        }

        var listed = await Store.ListAsync();

        listed.Select(p => p.Key).ShouldBe(paths.Order(StringComparer.Ordinal));
        foreach (var (path, settings) in listed)
        {
            settings.ShouldMatch(StoredSettings.Full(path));
        }
    }

    [Fact]
    public async Task SaveAndDelete_TwoPaths_EachKeepsItsOwnSettings()
    {
        var first = StoredSettings.Full("first");
        var second = new PublishingPointSettings { EventId = "second" };
        await Store.SaveAsync("live/event1", first);
        await Store.SaveAsync("live/event2", second);

        await Store.SaveAsync("live/event1", first with { EventId = "first-changed" });
        (await Store.LoadAsync("live/event2")).ShouldMatch(second);

        await Store.DeleteAsync("live/event1");
        (await Store.LoadAsync("live/event2")).ShouldMatch(second);
        (await Store.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("live/event2");
    }
}
