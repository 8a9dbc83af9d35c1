using Cluster.Runtime.GrainDirectory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Runtime;

/// <summary>Registers the grain directory.</summary>
public static class GrainDirectoryServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IGrainDirectory"/> for the options in section <see cref="GrainDirectoryOptions.SectionName"/> of
    /// <paramref name="configuration"/> (in memory unless <c>Provider</c> is <c>PostgreSql</c>); the options are validated
    /// when the host starts. A directory registered before this call is kept. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterDirectory(this IServiceCollection services, IConfiguration configuration)
    {
        return ClusterStorageRegistration.AddStore<GrainDirectoryOptions, IGrainDirectory>(
            services,
            configuration,
            GrainDirectoryOptions.SectionName,
            (store, clusterId, logger) => new PostgreSqlGrainDirectory(store, clusterId, logger),
            (store, clusterId) => new InMemoryGrainDirectory(store, clusterId));
    }

    /// <summary>
    /// Adds both coordination stores: <see cref="ClusterMembershipServiceCollectionExtensions.AddClusterMembership"/> and
    /// <see cref="AddClusterDirectory"/>.
    /// </summary>
    public static IServiceCollection AddClusterStorage(this IServiceCollection services, IConfiguration configuration) =>
        services.AddClusterMembership(configuration).AddClusterDirectory(configuration);
}
