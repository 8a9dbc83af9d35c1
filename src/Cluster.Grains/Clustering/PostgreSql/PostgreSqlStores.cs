using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// The <see cref="PostgreSqlStore"/>s of one service provider, one per connection string, so the membership table and
/// the grain directory share a connection pool and a schema check when they use the same database. Disposed with the provider.
/// </summary>
internal sealed class PostgreSqlStores : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<PostgreSqlStore>> _stores = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public PostgreSqlStores(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("Cluster.Grains.Clustering.PostgreSql");
    }

    public PostgreSqlStore Get(string connectionString) =>
        _stores.GetOrAdd(connectionString, cs => new Lazy<PostgreSqlStore>(() => new PostgreSqlStore(cs, _logger))).Value;

    /// <summary>For containers disposed synchronously (a plain <c>using</c> on the service provider).</summary>
    public void Dispose()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            store.Value.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            await store.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
