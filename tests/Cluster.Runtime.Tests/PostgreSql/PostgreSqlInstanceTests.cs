using Cluster.Testing;
using Npgsql;

namespace Cluster.Runtime.Tests.PostgreSql;

public sealed class PostgreSqlInstanceTests
{
    [Fact]
    public async Task DisposeAsync_StartedServer_StopsAndDeletesItsFolder()
    {
        var server = await PostgreSqlInstance.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("probe");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            (await command.ExecuteScalarAsync()).ShouldBe("probe");
        }

        NpgsqlConnection.ClearAllPools();
        await server.DisposeAsync();

        System.IO.Directory.Exists(server.RootDirectory).ShouldBeFalse();
        await using var afterStop = new NpgsqlConnection(connectionString);
        await Should.ThrowAsync<NpgsqlException>(() => afterStop.OpenAsync());
    }
}
