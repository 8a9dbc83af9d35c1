
namespace Cluster.Silo;

/// <summary>
/// <c>/healthz</c> for load balancers and start scripts, answered from Orleans' membership: 200 once this node sees an
/// active silo (a silo itself once it is Active; a gateway-only node once it reaches the cluster), 503 with the reason
/// before that.
/// </summary>
internal static class ClusterHealth
{
    public static IEndpointConventionBuilder MapClusterHealth(this IEndpointRouteBuilder endpoints, string pattern = "/healthz") =>
        endpoints.MapGet(pattern, async (IServiceProvider services, CancellationToken cancellationToken) =>
        {
            var active = await CountActiveSilosAsync(services, cancellationToken);
            return active > 0
                ? Results.Text($"ok: {active} active silo(s)\n")
                : Results.Text("no active silo in this node's view of the cluster yet\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription();

    private static async Task<int> CountActiveSilosAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IClusterMembershipService>() is { } membership)
        {
            // A silo: its own view, and only once it has joined (it is not Active in its own snapshot before).
            var snapshot = membership.CurrentSnapshot;
            var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            return snapshot.GetSiloStatus(self) == SiloStatus.Active ? snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) : 0;
        }

        try
        {
            var hosts = await services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(2), services.GetRequiredService<TimeProvider>(), cancellationToken);
            return hosts.Count;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            // Not connected to a gateway yet.
            return 0;
        }
    }
}
