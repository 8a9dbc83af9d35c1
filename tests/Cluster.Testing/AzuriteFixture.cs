namespace Cluster.Testing;

/// <summary>An xunit class fixture: one <see cref="AzuriteTables"/> for the test class, stopped after its last test.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteTables? _tables;

    /// <summary>The emulated account's connection string.</summary>
    public string ConnectionString => _tables?.ConnectionString ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _tables = await AzuriteTables.StartAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }
    }
}
