using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>Lets stores outside the runtime keep their tables in the cluster's coordination database.</summary>
public static class ClusterPostgreSql
{
    /// <summary>
    /// Registers the per-provider pool of coordination databases <see cref="GetDatabase"/> reads from (the one the
    /// membership table and grain directory use). Safe to call more than once, before or after them.
    /// </summary>
    public static IServiceCollection AddClusterPostgreSql(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddLogging();
        services.TryAddSingleton<PostgreSqlStores>();
        return services;
    }

    /// <summary>The database at <paramref name="connectionString"/>, sharing its pool and schema check with the rest of <paramref name="services"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="AddClusterPostgreSql"/> was not called on the provider's services.</exception>
    public static PostgreSqlDatabase GetDatabase(IServiceProvider services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var stores = services.GetService<PostgreSqlStores>()
            ?? throw new InvalidOperationException($"Call {nameof(AddClusterPostgreSql)} on the service collection first.");
        return new PostgreSqlDatabase(stores.Get(connectionString));
    }
}
