namespace Cluster.Testing;

/// <summary>
/// An xunit class fixture: a fresh database on the run's shared <see cref="PostgreSqlInstance"/>, so test classes using
/// PostgreSQL are isolated from each other and still run in parallel. Fails (never skips) when PostgreSQL is missing.
/// </summary>
public sealed class PostgreSqlDatabaseFixture : IAsyncLifetime
{
    private string? _connectionString;

    /// <summary>Connection string of this fixture's database.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The shared server.</summary>
    public PostgreSqlInstance? Server { get; private set; }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Server = await PostgreSqlInstance.GetSharedAsync();
        _connectionString = await Server.CreateDatabaseAsync();
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;
}
