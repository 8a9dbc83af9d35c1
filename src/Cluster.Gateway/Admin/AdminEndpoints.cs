using System.Text.Json;
using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Gateway.Admin;

/// <summary>
/// REST API for operators: <c>GET|PUT /admin/publishing-points/{path}</c> reads or creates/configures a point,
/// <c>GET /admin/publishing-points/{path}.isml</c> exports it as an IIS definition file,
/// <c>POST /admin/publishing-points/{path}/start|stop|shutdown</c> drives its lifecycle, <c>POST /admin/playback-tokens</c>
/// makes a playback token. Reads need the reader role, everything else the operator role (<see cref="AdminAuthentication"/>).
/// </summary>
internal static class AdminEndpoints
{
    private const string Prefix = "/admin/publishing-points";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Prefix + "/{**path}", GetAsync).RequireAuthorization(AdminAuthentication.ReadPolicy);
        endpoints.MapPut(Prefix + "/{**path}", PutAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        endpoints.MapPost(Prefix + "/{**path}", PostAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        endpoints.MapPost("/admin/playback-tokens", PlaybackTokenEndpoint.CreateAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
    }

    private static async Task<IResult> GetAsync(string path, IGrainFactory grains)
    {
        // {path}.isml: the point's settings as an IIS publishing point definition file.
        var definition = path.EndsWith(IisPublishingPointDefinition.Extension, StringComparison.OrdinalIgnoreCase);
        path = definition ? path[..^IisPublishingPointDefinition.Extension.Length] : path;
        if (PublishingPointPath.Validate(path) is { } reason)
        {
            return Results.BadRequest(new { error = reason });
        }

        var status = await grains.GetGrain<IPublishingPointGrain>(path).GetStatusAsync();
        return !status.Exists ? Results.NotFound(new { error = $"There is no publishing point '{path}'." })
            : definition ? Results.Text(IisPublishingPointDefinition.Write(status.Settings), "application/smil+xml; charset=utf-8")
            : Results.Ok(status);
    }

    private static async Task<IResult> PutAsync(string path, HttpRequest request, IGrainFactory grains)
    {
        if (PublishingPointPath.Validate(path) is { } reason)
        {
            return Results.BadRequest(new { error = reason });
        }

        var settings = new PublishingPointSettings();
        if (request.ContentLength != 0)
        {
            try
            {
                settings = await request.ReadFromJsonAsync<PublishingPointSettings>(request.HttpContext.RequestAborted) ?? settings;
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = $"The body is not valid publishing point settings: {e.Message}" });
            }
        }

        if (settings.Validate() is { } invalid)
        {
            return Results.BadRequest(new { error = invalid });
        }

        return Results.Ok(await grains.GetGrain<IPublishingPointGrain>(path).ConfigureAsync(settings));
    }

    private static async Task<IResult> PostAsync(string path, IGrainFactory grains)
    {
        var slash = path.LastIndexOf('/');
        var (pointPath, action) = slash > 0 ? (path[..slash], path[(slash + 1)..]) : (path, "");
        if (PublishingPointPath.Validate(pointPath) is { } reason)
        {
            return Results.BadRequest(new { error = reason });
        }

        var point = grains.GetGrain<IPublishingPointGrain>(pointPath);
        if (action != "start" && !(await point.GetStatusAsync()).Exists)
        {
            return Results.NotFound(new { error = $"There is no publishing point '{pointPath}'." });
        }

        return action switch
        {
            "start" => Results.Ok(await point.StartAsync()),
            "stop" => Results.Ok(await point.StopAsync()),
            "shutdown" => Results.Ok(await point.ShutdownAsync()),
            _ => Results.BadRequest(new { error = "POST .../{path}/start, .../stop or .../shutdown." }),
        };
    }
}
