using Azure.Data.Tables;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Storage;
using Cluster.Testing;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Storage;

/// <summary>
/// The Azure Table store against Azurite (the Azure Storage emulator, started for this class); each test uses its own
/// cluster id, so tests sharing the account never see each other's points.
/// </summary>
public sealed class AzureTablePublishingPointStoreTests(AzuriteFixture azurite)
    : PersistentPublishingPointStoreConformanceTests, IClassFixture<AzuriteFixture>
{
    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N");
    private readonly ListLogger<AzureTablePublishingPointStore> _log = new();
    private IPublishingPointStore? _store;

    protected override IPublishingPointStore Store => _store ??= Open(_clusterId, _log);

    /// <summary>A new process's store: its own client, which does not know the table exists.</summary>
    protected override IPublishingPointStore Reopen() => Open(_clusterId, new ListLogger<AzureTablePublishingPointStore>());

    [Fact]
    public async Task LoadListDelete_TwoClusterIdsInOneAccount_SeeOnlyTheirOwnPoints()
    {
        var other = Open("other-" + _clusterId, new ListLogger<AzureTablePublishingPointStore>());
        await Store.SaveAsync("live/event1", StoredSettings.Full("ours"));
        await Store.SaveAsync("live/only-ours", StoredSettings.Full("ours"));
        await other.SaveAsync("live/event1", StoredSettings.Full("theirs"));

        (await other.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("theirs"));
        (await other.LoadAsync("live/only-ours")).ShouldBeNull();
        (await other.DeleteAsync("live/only-ours")).ShouldBeFalse();
        (await other.DeleteAsync("live/event1")).ShouldBeTrue();

        (await Store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("ours"));
        (await Store.ListAsync()).Select(p => p.Key).ShouldBe(["live/event1", "live/only-ours"]);
    }

    [Fact]
    public async Task SaveAsync_NestedPath_StoredUnderARowKeyAzureAccepts()
    {
        await Store.SaveAsync("events/2026/final", StoredSettings.Full());

        var row = await Table().GetEntityAsync<TableEntity>(_clusterId, "events%2F2026%2Ffinal");
        row.Value.GetString("Settings").ShouldNotBeNullOrEmpty();
        (await Store.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("events/2026/final");
    }

    [Fact]
    public async Task ListAndLoad_RowThatNoLongerReadsBack_SkippedAndLoggedWithoutException()
    {
        await Store.SaveAsync("live/good", StoredSettings.Full());
        await Store.SaveAsync("live/bad", StoredSettings.Full());
        await Table().UpsertEntityAsync(new TableEntity(_clusterId, "live%2Fbad") { ["Settings"] = "{\"lookaheadCount\": 99}" }, TableUpdateMode.Replace);

        var listed = await Store.ListAsync();
        var loaded = await Store.LoadAsync("live/bad");

        listed.ShouldHaveSingleItem().Key.ShouldBe("live/good");
        loaded.ShouldBeNull();
        _log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("live/bad", StringComparison.Ordinal)).ShouldBe(2);
    }

    private TableClient Table() => new TableServiceClient(azurite.ConnectionString).GetTableClient(AzureTablePublishingPointStore.TableName);

    private AzureTablePublishingPointStore Open(string clusterId, ILogger<AzureTablePublishingPointStore> logger) =>
        new(new TableServiceClient(azurite.ConnectionString), clusterId, logger);
}
