using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Gateway.Admin;

/// <summary>
/// <c>GET /admin/silos</c>: every silo Orleans' membership knows (dead ones too, until their rows are cleaned up), with
/// its name, address, status, whether it answered, and the publishing points, tracks, push outputs and pull inputs
/// (keys <c>{point} {url}</c>) it hosts right now.
/// </summary>
internal static class SiloEndpoints
{
    /// <summary>Orleans' type names of the product's grains (the class name without <c>Grain</c>, lower case).</summary>
    private const string PointType = "publishingpoint";
    private const string TrackType = "track";
    private const string PushOutputType = "pushoutput";
    private const string PullInputType = "pullinput";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/admin/silos", GetAsync).RequireAuthorization(Security.AdminAuthentication.ReadPolicy);

    /// <summary>
    /// The listing; 503 with Retry-After while Orleans' management grain cannot answer (its silo just crashed and the
    /// cluster has not moved it yet), as for any other request that needs a silo that is gone.
    /// </summary>
    private static async Task<IResult> GetAsync(IGrainFactory grains, HttpContext context)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        try
        {
            var hosts = await management.GetDetailedHosts(onlyActive: false);
            var views = await Task.WhenAll(hosts.OrderBy(h => h.SiloName, StringComparer.Ordinal).Select(h => DescribeAsync(management, h)));
            return Results.Ok(views);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            context.Response.Headers.RetryAfter = "1";
            return Results.Json(new { error = $"The cluster's membership cannot be read right now ({e.GetType().Name}); retry shortly." }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>
    /// One silo with its activations. An Active silo that does not answer (it crashed and is not declared dead yet) is
    /// listed as not reachable rather than failing the whole answer.
    /// </summary>
    private static async Task<SiloStatusView> DescribeAsync(IManagementGrain management, MembershipEntry host)
    {
        DetailedGrainStatistic[]? activations = null;
        if (host.Status == SiloStatus.Active)
        {
            try
            {
                activations = await management.GetDetailedGrainStatistics(null, [host.SiloAddress]);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                activations = null;
            }
        }

        return new SiloStatusView(
            host.SiloName,
            host.SiloAddress.ToParsableString(),
            host.Status.ToString(),
            host.StartTime,
            activations is not null || host.Status != SiloStatus.Active,
            Keys(activations ?? [], PointType),
            Keys(activations ?? [], TrackType),
            Keys(activations ?? [], PushOutputType),
            Keys(activations ?? [], PullInputType));
    }

    private static string[] Keys(IEnumerable<DetailedGrainStatistic> activations, string type) =>
        [.. activations.Where(a => a.GrainId.Type.ToString() == type).Select(a => a.GrainId.Key.ToString()!).Order(StringComparer.Ordinal)];

    /// <summary>One silo as the API answers it.</summary>
    private sealed record SiloStatusView(
        string Name, string Address, string Status, DateTime StartTime, bool Reachable, string[] Points, string[] Tracks, string[] PushOutputs, string[] PullInputs);
}
