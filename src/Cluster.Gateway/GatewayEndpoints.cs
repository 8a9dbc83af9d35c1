using System.Globalization;
using Cluster.Gateway.Admin;
using Cluster.Gateway.Ingest;
using Cluster.Gateway.Playback;
using Cluster.Gateway.Pull;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Gateway;

/// <summary>Maps the gateway's HTTP surface: ingest, playback and the admin API.</summary>
public static class GatewayEndpoints
{
    /// <summary>
    /// Adds the gateway's endpoints and the CORS policy players on other origins need; the host adds
    /// <see cref="SecurityServiceCollectionExtensions.UseClusterSecurity"/> (every node has admin endpoints).
    /// </summary>
    public static WebApplication MapClusterGateway(this WebApplication app)
    {
        app.UseCors(GatewayServiceCollectionExtensions.CorsPolicy);
        AdminEndpoints.Map(app);
        SiloEndpoints.Map(app);
        Restream.StreamListEndpoint.Map(app);
        RestreamEndpoints.Map(app);

        // DASH clients sync their clock here (the MPD's UTCTiming, urn:mpeg:dash:utc:http-iso:2014).
        app.MapGet("/time", (TimeProvider time) => Results.Text(time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), "text/plain"));
        app.MapMethods("/{**path}", [HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete], (HttpContext context, string? path) => GuardAsync(context, path, IngestAsync));
        app.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string? path) => GuardAsync(context, path, PlaybackAsync));
        return app;
    }

    /// <summary>
    /// Turns a silo that cannot be reached or does not answer in time (it crashed and is not yet declared dead, or it is
    /// stopping) into 503 with Retry-After: encoders reconnect and players retry, and the grain is on a live silo by then.
    /// </summary>
    private static async Task GuardAsync(HttpContext context, string? path, Func<HttpContext, string?, Task> handle)
    {
        try
        {
            await handle(context, path);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayEndpoints))
                .SiloUnavailable(context.Request.Method, context.Request.Path, exception.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.Headers.RetryAfter = "1";
                await PlaybackHandler.PlainText(context, StatusCodes.Status503ServiceUnavailable, "The silo holding this publishing point is unavailable; retry shortly.");
            }

            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                // An encoder is still streaming its body: Kestrel would drain it for seconds before closing, and the
                // encoder would not see the failure (nor reconnect) until then.
                await context.Response.CompleteAsync();
                context.Abort();
            }
        }
    }

    private static async Task IngestAsync(HttpContext context, string? path)
    {
        if (await Parse(context, path) is { } url)
        {
            await context.RequestServices.GetRequiredService<IngestDispatcher>().HandleAsync(context, url);
        }
    }

    private static async Task PlaybackAsync(HttpContext context, string? path)
    {
        if (await Parse(context, path) is not { } url)
        {
            return;
        }

        var playback = context.RequestServices.GetRequiredService<PlaybackHandler>();
        string? token = null;
        if (url.Kind is MediaUrlKind.Manifest or MediaUrlKind.MediaPlaylist or MediaUrlKind.Init or MediaUrlKind.Fragment
            || (url.Kind == MediaUrlKind.Ingest && HttpMethods.IsGet(context.Request.Method)))
        {
            var (allowed, given) = await context.RequestServices.GetRequiredService<PlaybackAuthorization>().AuthorizeAsync(context, url);
            if (!allowed)
            {
                return;
            }

            token = given;
        }

        switch (url.Kind)
        {
            case MediaUrlKind.Manifest or MediaUrlKind.MediaPlaylist:
                await playback.ServeManifestAsync(context, url, token);
                break;
            case MediaUrlKind.Init:
                await playback.ServeInitAsync(context, url);
                break;
            case MediaUrlKind.Fragment:
                await playback.ServeFragmentAsync(context, url);
                break;
            case MediaUrlKind.Ingest when HttpMethods.IsGet(context.Request.Method):
                await context.RequestServices.GetRequiredService<PullOutputHandler>().HandleAsync(context, url);
                break;
            default:
                await PlaybackHandler.PlainText(context, StatusCodes.Status405MethodNotAllowed, "Streams(..) and pushed files take POST or PUT from an encoder.");
                break;
        }
    }

    private static async Task<MediaUrl?> Parse(HttpContext context, string? path)
    {
        // Only a push names its stream in the query (mod_smooth_streaming's {name}.ism?stream_id=..); playback reads no query here.
        var streamId = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            && context.Request.Query.TryGetValue("stream_id", out var values) ? values.ToString() : null;
        if (!MediaUrl.TryParse("/" + (path ?? ""), out var url, out var error, streamId))
        {
            await PlaybackHandler.PlainText(context, StatusCodes.Status404NotFound, "Not a publishing point URL: expected /{path}.isml/...");
            return null;
        }

        if (error is not null)
        {
            await PlaybackHandler.PlainText(context, StatusCodes.Status400BadRequest, error);
            return null;
        }

        return url;
    }
}

/// <summary>Source-generated log messages of the gateway's endpoints.</summary>
internal static partial class GatewayEndpointsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the owning silo is unavailable ({Reason}); answered 503")]
    public static partial void SiloUnavailable(this ILogger logger, string method, PathString path, string reason);
}
