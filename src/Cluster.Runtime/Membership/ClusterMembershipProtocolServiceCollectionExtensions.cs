using Cluster.Runtime.Membership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime;

/// <summary>Registers the membership protocol (Orleans' membership and failure detection, started with the host).</summary>
public static class ClusterMembershipProtocolServiceCollectionExtensions
{
    /// <summary>
    /// Adds the membership table (<see cref="ClusterMembershipServiceCollectionExtensions.AddClusterMembership"/>) and the
    /// protocol on top of it: <see cref="IClusterMembership"/>, a hosted service that joins the cluster when the host
    /// starts and leaves it when the host stops, and <see cref="ISiloProber"/> over HTTP unless one is already registered.
    /// Settings come from <see cref="MembershipOptions.SectionName"/> and <see cref="SiloOptions.SectionName"/> and are
    /// validated when the host starts. Peers probe this silo at
    /// <see cref="ClusterMembershipEndpointRouteBuilderExtensions.MapClusterMembershipEndpoints"/>, which the web app must map.
    /// Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterMembershipProtocol(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddClusterMembership(configuration);
        services.AddOptions<MembershipOptions>().Bind(configuration.GetSection(MembershipOptions.SectionName)).ValidateOnStart();
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MembershipOptions>, MembershipOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISiloProber, HttpSiloProber>();
        if (!services.Any(d => d.ServiceType == typeof(MembershipService)))
        {
            services.AddSingleton<IPostConfigureOptions<SiloOptions>>(_ => new SiloOptionsSetup(configuration));
            services.AddSingleton<MembershipService>();
            services.AddSingleton<IClusterMembership>(sp => sp.GetRequiredService<MembershipService>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MembershipService>());
        }

        return services;
    }
}
