using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;
using Cluster.Runtime.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GrainDirectoryOptions>().Bind(configuration.GetSection(GrainDirectoryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainDirectoryOptions>, ClusterStorageOptionsValidator<GrainDirectoryOptions>>());
        ClusterStorageRegistration.AddShared(services);
        services.TryAddSingleton<IGrainDirectory>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
            return options.Provider == ClusterStorageProvider.PostgreSql
                ? new PostgreSqlGrainDirectory(
                    sp.GetRequiredService<PostgreSqlStores>().Get(options.ConnectionString!),
                    options.ClusterId,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<IGrainDirectory>())
                : new InMemoryGrainDirectory(sp.GetRequiredService<InMemoryClusterStore>(), options.ClusterId);
        });
        return services;
    }

    /// <summary>
    /// Adds both coordination stores: <see cref="ClusterMembershipServiceCollectionExtensions.AddClusterMembership"/> and
    /// <see cref="AddClusterDirectory"/>.
    /// </summary>
    public static IServiceCollection AddClusterStorage(this IServiceCollection services, IConfiguration configuration) =>
        services.AddClusterMembership(configuration).AddClusterDirectory(configuration);
}
