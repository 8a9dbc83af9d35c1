using Cluster.Contracts.Restream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Admin;

/// <summary>
/// <c>GET /admin/restream</c>: each configured source (its URLs, which answered last, when, the last error, the streams
/// taken and how) and the points made for them, with the URLs each pulls from and the names a local point shadows.
/// </summary>
internal static class RestreamEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/admin/restream", GetAsync).RequireAuthorization(Security.AdminAuthentication.ReadPolicy);

    private static async Task<IResult> GetAsync(IGrainFactory grains, IOptions<RestreamOptions> options)
    {
        var names = options.Value.Sources.Select((_, i) => options.Value.NameOf(i)).ToArray();
        var sources = await Task.WhenAll(names.Select(n => grains.GetGrain<IRestreamSourceGrain>(n).GetStatusAsync()));
        var status = names.Length == 0 ? new RestreamStatus([], []) : await grains.GetGrain<IRestreamGrain>(IRestreamGrain.Key).GetStatusAsync();
        return Results.Ok(new { sources, status.Points, status.Shadowed });
    }
}
