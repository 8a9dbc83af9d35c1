using Npgsql;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// The cluster's PostgreSQL coordination database, for data kept beside the membership table and the grain directory
/// (publishing point settings): connections come from the pool those stores use for the same connection string, and
/// the schema migrations (which create every table of the cluster) have run before the first one is handed out.
/// Get one with <see cref="ClusterPostgreSql.GetDatabase"/>.
/// </summary>
public sealed class PostgreSqlDatabase
{
    private readonly PostgreSqlStore _store;

    internal PostgreSqlDatabase(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>
    /// An open connection (the caller disposes it) to a database whose schema is current. The first call creates or
    /// upgrades the schema; a failure is not remembered, so the next call tries again.
    /// </summary>
    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default) => _store.OpenAsync(cancellationToken);
}
