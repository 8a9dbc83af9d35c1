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
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ClusterMembershipOptions>().Bind(configuration.GetSection(ClusterMembershipOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterMembershipOptions>, ClusterStorageOptionsValidator<ClusterMembershipOptions>>());
        ClusterStorageRegistration.AddShared(services);
        services.TryAddSingleton<IMembershipTable>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
            return options.Provider == ClusterStorageProvider.PostgreSql
                ? new PostgreSqlMembershipTable(
                    sp.GetRequiredService<PostgreSqlStores>().Get(options.ConnectionString!),
                    options.ClusterId,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<IMembershipTable>())
                : new InMemoryMembershipTable(sp.GetRequiredService<InMemoryClusterStore>(), options.ClusterId);
        });
        return services;
    }
}

/// <summary>Services both coordination stores need.</summary>
internal static class ClusterStorageRegistration
{
    public static void AddShared(IServiceCollection services)
    {
        services.AddLogging();
        services.TryAddSingleton<InMemoryClusterStore>();
        services.TryAddSingleton<PostgreSqlStores>();
    }
}
