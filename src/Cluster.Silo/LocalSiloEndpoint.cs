using Cluster.Grains.Activations;

namespace Cluster.Silo;

/// <summary>
/// <c>GET /admin/silo</c> on a silo: this silo's name and address and the publishing points and tracks running on it
/// (<see cref="RunningActivations"/>). Asking every silo and finding a key twice is a duplicate activation; the
/// cluster-wide <c>/admin/silos</c> answers from Orleans' statistics, which include activations still registering.
/// </summary>
internal static class LocalSiloEndpoint
{
    public static IEndpointConventionBuilder MapLocalSilo(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/admin/silo", (RunningActivations running, ILocalSiloDetails silo) => Results.Ok(new LocalSiloView(
            silo.Name,
            silo.SiloAddress.ToParsableString(),
            running.Keys("publishingpoint"),
            running.Keys("track"))));

    /// <summary>This silo as the endpoint answers it.</summary>
    private sealed record LocalSiloView(string Name, string Address, string[] Points, string[] Tracks);
}
