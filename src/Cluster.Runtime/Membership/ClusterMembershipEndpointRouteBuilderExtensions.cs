using System.Globalization;
using Cluster.Runtime.Membership;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Runtime;

/// <summary>Maps the HTTP endpoints other silos use to check on this one.</summary>
public static class ClusterMembershipEndpointRouteBuilderExtensions
{
    /// <summary>Path of the ping endpoint probed by <see cref="ISiloProber"/>.</summary>
    public const string PingPath = "/cluster/v1/ping";

    /// <summary>
    /// Maps <c>GET /cluster/v1/ping?generation={generation}</c>: 200 when the generation is this silo's
    /// (<see cref="IClusterMembership.LocalSilo"/>), 410 Gone when it is another (a silo restarted on the same endpoint is
    /// not the one that was probed), 400 when it is missing or not a number. Needs <see cref="IClusterMembership"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapClusterMembershipEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(PingPath, (HttpContext context, IClusterMembership membership) =>
        {
            if (!long.TryParse(context.Request.Query["generation"], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "Query parameter 'generation' (a silo generation) is required.");
            }

            return generation == membership.LocalSilo.Generation
                ? Results.Text(membership.LocalSilo.ToString())
                : Results.Problem(statusCode: StatusCodes.Status410Gone, detail: $"This endpoint is silo {membership.LocalSilo}, not generation {generation}.");
        }).ExcludeFromDescription();
    }
}
