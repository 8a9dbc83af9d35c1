using System.Collections.Concurrent;
using Cluster.Contracts.Tiers;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Tiers;

/// <summary>
/// A real HTTP server on loopback playing an upstream publishing point's pull endpoint as the test scripts it: a
/// well-behaved one, or one that errs, sends garbage, rewinds or stalls. Every request's path and query is recorded.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedUpstream(WebApplication app, Uri root)
    {
        _app = app;
        PointUrl = new Uri(root, "live/up.isml").ToString();
    }

    /// <summary>The upstream point's URL, as a pull input names it.</summary>
    public string PointUrl { get; }

    /// <summary>Path and query of each request, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<ScriptedUpstream> StartAsync(Func<HttpContext, Task> handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        ScriptedUpstream? upstream = null;
        app.Run(async context =>
        {
            upstream!.Requests.Enqueue(context.Request.Path + context.Request.QueryString);
            await handle(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream = new ScriptedUpstream(app, new Uri(address.TrimEnd('/') + "/"));
        return upstream;
    }

    /// <summary>Answers a pull as this product does: session header, header boxes, each track's fragments after the asked times, then an mfra (or, when <paramref name="end"/> is false, stays open).</summary>
    public static async Task ServeAsync(HttpContext context, IReadOnlyList<TrackInfo> tracks, IReadOnlyList<IReadOnlyList<Fragment>> fragments, string session, bool end = true)
    {
        var after = ParseAfter(context.Request.Query["after"]);
        context.Response.Headers[TierHeaders.Session] = session;
        await context.Response.Body.WriteAsync(SmoothStreamWriter.WriteHeader(tracks));
        var sequence = 0u;
        for (var t = 0; t < tracks.Count; t++)
        {
            var from = after.GetValueOrDefault($"{tracks[t].Name}_{tracks[t].Bitrate}", long.MinValue);
            foreach (var fragment in fragments[t].Where(f => f.Time > from))
            {
                await WriteFragmentAsync(context, fragment, (uint)(t + 1), ++sequence);
            }
        }

        if (end)
        {
            await context.Response.Body.WriteAsync(SmoothStreamWriter.EmptyMfra.ToArray());
        }
        else
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public static async Task WriteFragmentAsync(HttpContext context, Fragment fragment, uint trackId, uint sequence)
    {
        var writer = new BoxWriter();
        SmoothStreamWriter.WriteFragmentHeader(writer, fragment, trackId, sequence);
        await context.Response.Body.WriteAsync(writer.WrittenMemory);
        await context.Response.Body.WriteAsync(fragment.Data);
        await context.Response.Body.FlushAsync();
    }

    public static Dictionary<string, long> ParseAfter(string? value) =>
        string.IsNullOrEmpty(value)
            ? []
            : value.Split(',').Select(p => p.Split(':')).ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
