using Cluster.Runtime.Membership;
using Cluster.Runtime.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime;

/// <summary>Registers the membership table (Orleans' <c>UseAdoNetClustering</c>/<c>UseLocalhostClustering</c> in one call, chosen by configuration).</summary>
public static class ClusterMembershipServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IMembershipTable"/> for the options in section <see cref="ClusterMembershipOptions.SectionName"/>
    /// of <paramref name="configuration"/> (in memory unless <c>Provider</c> is <c>PostgreSql</c>); the options are
    /// validated when the host starts. A table registered before this call is kept. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterMembership(this IServiceCollection services, IConfiguration configuration)
    {
        return ClusterStorageRegistration.AddStore<ClusterMembershipOptions, IMembershipTable>(
            services,
            configuration,
            ClusterMembershipOptions.SectionName,
            (store, clusterId, logger) => new PostgreSqlMembershipTable(store, clusterId, logger),
            (store, clusterId) => new InMemoryMembershipTable(store, clusterId));
    }
}

/// <summary>Services both coordination stores need.</summary>
internal static class ClusterStorageRegistration
{
    /// <summary>
    /// Registers one store interface for its options section: options bound and validated at start-up, and the
    /// implementation the options' <c>Provider</c> names (a store registered earlier is kept).
    /// </summary>
    public static IServiceCollection AddStore<TOptions, TStore>(
        IServiceCollection services,
        IConfiguration configuration,
        string sectionName,
        Func<PostgreSqlStore, string, ILogger, TStore> postgreSql,
        Func<InMemoryClusterStore, string, TStore> inMemory)
        where TOptions : ClusterStorageOptions
        where TStore : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, ClusterStorageOptionsValidator<TOptions>>());
        AddShared(services);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TOptions>>().Value;
            return options.Provider == ClusterStorageProvider.PostgreSql
                ? postgreSql(sp.GetRequiredService<PostgreSqlStores>().Get(options.ConnectionString!), options.ClusterId, sp.GetRequiredService<ILoggerFactory>().CreateLogger<TStore>())
                : inMemory(sp.GetRequiredService<InMemoryClusterStore>(), options.ClusterId);
        });
        return services;
    }

    public static void AddShared(IServiceCollection services)
    {
        services.AddLogging();
        services.TryAddSingleton<InMemoryClusterStore>();
        services.TryAddSingleton<PostgreSqlStores>();
    }
}
