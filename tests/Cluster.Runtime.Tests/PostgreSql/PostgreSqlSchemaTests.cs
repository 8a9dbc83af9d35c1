using Cluster.Runtime.PostgreSql;
using Cluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Runtime.Tests.PostgreSql;

public sealed class PostgreSqlSchemaTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>
{
    [Fact]
    public async Task EnsureSchemaAsync_FiveProcessesOnAFreshDatabase_AllSucceedAndMigrateOnce()
    {
        var connectionString = await database.Server!.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 5).Select(_ => new PostgreSqlStore(connectionString, NullLogger.Instance)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.EnsureSchemaAsync(CancellationToken.None))));
            await stores[0].EnsureSchemaAsync(CancellationToken.None);

            (await ScalarAsync(connectionString, "SELECT count(*) FROM cluster_schema_version")).ShouldBe((long)PostgreSqlSchema.Migrations.Count);
            (await ScalarAsync(connectionString, "SELECT max(version) FROM cluster_schema_version")).ShouldBe(PostgreSqlSchema.LatestVersion);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EnsureSchemaAsync_DatabaseFromANewerBuild_RefusesNamingTheVersion()
    {
        var connectionString = await database.Server!.CreateDatabaseAsync();
        await using (var first = new PostgreSqlStore(connectionString, NullLogger.Instance))
        {
            await first.EnsureSchemaAsync(CancellationToken.None);
        }

        var newer = PostgreSqlSchema.LatestVersion + 1;
        await ScalarAsync(connectionString, $"INSERT INTO cluster_schema_version (version, description) VALUES ({newer}, 'from the future') RETURNING version");
        await using var store = new PostgreSqlStore(connectionString, NullLogger.Instance);

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => store.EnsureSchemaAsync(CancellationToken.None));

        ex.Message.ShouldContain($"schema version {newer}");
    }

    [Fact]
    public async Task OpenAsync_DatabaseUnreachableThenReachable_RetriesTheSchemaCheck()
    {
        var missing = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "not_created_yet_" + Guid.NewGuid().ToString("N")[..8] };
        await using var store = new PostgreSqlStore(missing.ConnectionString, NullLogger.Instance);
        await Should.ThrowAsync<PostgresException>(() => store.OpenAsync(CancellationToken.None));

        await database.Server!.CreateDatabaseAsync(missing.Database);

        await using var connection = await store.OpenAsync(CancellationToken.None);
        connection.State.ShouldBe(System.Data.ConnectionState.Open);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
