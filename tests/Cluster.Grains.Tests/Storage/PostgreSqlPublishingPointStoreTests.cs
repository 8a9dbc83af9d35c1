using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Storage;
using Cluster.Grains.Clustering.PostgreSql;
using Cluster.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Grains.Tests.Storage;

/// <summary>
/// The PostgreSQL store on this class's own database; each test uses its own cluster id, so tests sharing the database
/// never see each other's points.
/// </summary>
public sealed class PostgreSqlPublishingPointStoreTests(PostgreSqlDatabaseFixture database)
    : PersistentPublishingPointStoreConformanceTests, IClassFixture<PostgreSqlDatabaseFixture>
{
    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N");
    private readonly List<PostgreSqlStore> _pools = [];
    private readonly ListLogger<PostgreSqlPublishingPointStore> _log = new();
    private IPublishingPointStore? _store;

    protected override IPublishingPointStore Store => _store ??= Open(_clusterId, _log);

    public override async Task DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }
    }

    /// <summary>A new process's store: its own connection pool and schema check.</summary>
    protected override IPublishingPointStore Reopen() => Open(_clusterId, new ListLogger<PostgreSqlPublishingPointStore>());

    [Fact]
    public async Task LoadListDelete_TwoClusterIdsInOneDatabase_SeeOnlyTheirOwnPoints()
    {
        var other = Open("other-" + _clusterId, new ListLogger<PostgreSqlPublishingPointStore>());
        await Store.SaveAsync("live/event1", StoredSettings.Full("ours"));
        await Store.SaveAsync("live/only-ours", StoredSettings.Full("ours"));
        await other.SaveAsync("live/event1", StoredSettings.Full("theirs"));

        (await Store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("ours"));
        (await other.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("theirs"));
        (await other.LoadAsync("live/only-ours")).ShouldBeNull();
        (await other.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("live/event1");
        (await other.DeleteAsync("live/only-ours")).ShouldBeFalse();

        (await other.DeleteAsync("live/event1")).ShouldBeTrue();
        (await Store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("ours"));
        (await Store.ListAsync()).Select(p => p.Key).ShouldBe(["live/event1", "live/only-ours"]);
    }

    [Fact]
    public async Task SaveAsync_FreshDatabase_CreatesTheTableThroughTheSchemaMigrations()
    {
        var connectionString = await database.Server!.CreateDatabaseAsync();
        var pool = new PostgreSqlStore(connectionString, NullLogger.Instance);
        _pools.Add(pool);
        var store = new PostgreSqlPublishingPointStore(new PostgreSqlDatabase(pool), _clusterId, _log);

        await store.SaveAsync("live/event1", StoredSettings.Full());

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT jsonb_typeof(settings), updated_at IS NOT NULL, (SELECT max(version) FROM cluster_schema_version) FROM publishing_points WHERE cluster_id = @cluster_id AND path = 'live/event1'",
            connection);
        command.Parameters.AddWithValue("cluster_id", _clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("object");
        reader.GetBoolean(1).ShouldBeTrue();
        reader.GetInt32(2).ShouldBe(PostgreSqlSchema.LatestVersion);
    }

    [Fact]
    public async Task ListAndLoad_RowThatNoLongerReadsBack_SkippedAndLoggedWithoutException()
    {
        await Store.SaveAsync("live/good", StoredSettings.Full());
        await Store.SaveAsync("live/bad", StoredSettings.Full());
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "UPDATE publishing_points SET settings = '{\"lookaheadCount\": 99}' WHERE cluster_id = @cluster_id AND path = 'live/bad'",
                connection);
            command.Parameters.AddWithValue("cluster_id", _clusterId);
            (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var listed = await Store.ListAsync();
        var loaded = await Store.LoadAsync("live/bad");

        listed.ShouldHaveSingleItem().Key.ShouldBe("live/good");
        loaded.ShouldBeNull();
        _log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("live/bad", StringComparison.Ordinal)).ShouldBe(2);
    }

    private PostgreSqlPublishingPointStore Open(string clusterId, ILogger<PostgreSqlPublishingPointStore> logger)
    {
        var pool = new PostgreSqlStore(database.ConnectionString, NullLogger.Instance);
        _pools.Add(pool);
        return new PostgreSqlPublishingPointStore(new PostgreSqlDatabase(pool), clusterId, logger);
    }
}
