using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Hosting;
using Cluster.Runtime.Membership;
using Cluster.Runtime.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime;

/// <summary>Makes a process a member of a cluster (Orleans' <c>UseOrleans</c>) or a client of one (<c>UseOrleansClient</c>).</summary>
public static class ClusterHostingServiceCollectionExtensions
{
    /// <summary>
    /// A silo: the grain runtime, the membership protocol, the grain directory, silo-to-silo grain calls and routing, all
    /// configured from <paramref name="configuration"/> (<c>Cluster:Membership</c>, <c>Cluster:Directory</c>,
    /// <c>Cluster:Silo</c>, <c>Cluster:GrainCalls</c>). Grains activate here when placement picks this silo; calls to
    /// grains elsewhere go to their silo. A graceful stop writes ShuttingDown, deactivates the grains (each removes its
    /// directory entry) and writes Dead. Map <see cref="MapClusterSilo"/> on the silo endpoint.
    /// </summary>
    public static IServiceCollection AddClusterSilo(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddClusterRuntime();
        services.AddClusterMembershipProtocol(configuration);
        services.TryAddSingleton<IClusterView>(sp => sp.GetRequiredService<MembershipService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiloShutdownParticipant, CatalogShutdown>());
        return AddRouting(services, configuration);
    }

    /// <summary>
    /// A client that hosts no grains (a standalone gateway): it reads the membership table every
    /// <c>Cluster:Membership:TableRefreshInterval</c> without joining it, finds grains through the directory and
    /// placement, and calls them on their silos. Same configuration sections as <see cref="AddClusterSilo"/>, without
    /// <c>Cluster:Silo</c>.
    /// </summary>
    public static IServiceCollection AddClusterClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddClusterRuntime();
        services.AddClusterMembership(configuration);
        services.AddOptions<MembershipOptions>().Bind(configuration.GetSection(MembershipOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MembershipOptions>, MembershipOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(ClientMembershipView)))
        {
            services.AddSingleton<ClientMembershipView>();
            services.AddSingleton<IClusterView>(sp => sp.GetRequiredService<ClientMembershipView>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ClientMembershipView>());
        }

        return AddRouting(services, configuration);
    }

    /// <summary>
    /// Maps what peers call on a silo: grain calls (<c>/cluster/v1/grains/...</c>) and membership probes
    /// (<c>/cluster/v1/ping</c>). Restrict them to the silo endpoint with <c>RequireHost</c> on the returned builders'
    /// group when the public port is shared.
    /// </summary>
    public static RouteGroupBuilder MapClusterSilo(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapClusterGrainCalls();
        group.MapClusterMembershipEndpoints();
        return group;
    }

    /// <summary>
    /// Maps a health endpoint that answers 200 once this node sees at least one active silo (a gateway that cannot
    /// route yet, or a silo that has not joined, answers 503 with the reason), for load balancers and start scripts.
    /// </summary>
    public static IEndpointConventionBuilder MapClusterHealth(this IEndpointRouteBuilder endpoints, string pattern = "/healthz")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(pattern, (IClusterView view) =>
        {
            var active = view.Current.ActiveSilos.Count;
            return active > 0
                ? Results.Text($"ok: {active} active silo(s)\n")
                : Results.Text("no active silo in this node's view of the cluster yet\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription();
    }

    private static IServiceCollection AddRouting(IServiceCollection services, IConfiguration configuration)
    {
        services.AddClusterDirectory(configuration);
        services.AddClusterGrainCalls();
        services.AddOptions<GrainCallOptions>().Bind(configuration.GetSection(GrainCallOptions.SectionName));
        services.TryAddSingleton<GrainLocator>();

        // Created with the host, not on the first grain call: the locator removes dead silos' directory entries on
        // membership changes, which a node that has not called a grain yet must see too.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LocatorStartup>());
        services.RemoveAll<IGrainCallRouter>();
        services.AddSingleton<IGrainCallRouter, ClusterGrainCallRouter>();
        return services;
    }
}
