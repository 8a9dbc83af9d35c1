using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Clustering;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Tiers;

/// <summary>
/// A product node for tier tests: the grains on a real Orleans silo in this process with the real clock (pull inputs poll and
/// retry in real time), and Kestrel on a free loopback port answering the Smooth playback URLs
/// (<c>/{point}.isml/Manifest</c>, <c>/{point}.isml/QualityLevels(b)/Fragments(name=t)</c>) from the point's own
/// manifest and the product's fragment writer, and the pull endpoint (<c>/{point}.isml/Streams(all)</c>) from the
/// product's <see cref="TrackStreamPump"/>, as the gateway does. Log lines are kept in <see cref="Log"/>.
/// </summary>
internal sealed partial class OriginNode : IAsyncDisposable
{
    private readonly TestSilo _silo;
    private readonly WebApplication _web;

    private OriginNode(TestSilo silo, WebApplication web, Uri address, LogCapture log)
    {
        _silo = silo;
        Log = log;
        _web = web;
        Address = address;
        Grains = silo.Grains;
    }

    public IGrainFactory Grains { get; }

    public Uri Address { get; }

    public LogCapture Log { get; }

    /// <summary>Requests answered, by path.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Starts a node; <paramref name="intercept"/>, when given, answers in place of the node (return false to let it answer).</summary>
    public static async Task<OriginNode> StartAsync(Func<HttpContext, OriginNode, Task<bool>>? intercept = null)
    {
        var log = new LogCapture();
        var configuration = GrainHost.Configuration();
        var provider = TestSilo.Start(silo => silo.AddClusterSilo(configuration), services =>
        {
            services.AddLogging(logging => logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug).AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning));
            services.AddClusterGrains(configuration);
        });

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var web = builder.Build();
        OriginNode? node = null;
        web.Run(async context =>
        {
            node!.Requests.Enqueue(context.Request.Path.Value ?? "");
            if (intercept is null || !await intercept(context, node))
            {
                await node.ServeAsync(context);
            }
        });
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node = new OriginNode(provider, web, new Uri(address), log);
        return node;
    }

    /// <summary>The URL of a point of this node, as pull input settings name it.</summary>
    public string PointUrl(string path) => new Uri(Address, path + ".isml").ToString();

    /// <summary>Answers a Smooth manifest or fragment request from the grains.</summary>
    public async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (ManifestPath().Match(path) is { Success: true } manifest)
        {
            var document = await Grains.GetGrain<IPublishingPointGrain>(manifest.Groups["point"].Value).GetManifestAsync(ManifestFormat.Smooth);
            if (document is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = document.ContentType;
            await context.Response.Body.WriteAsync(document.Body);
            return;
        }

        if (FragmentPath().Match(path) is { Success: true } fragmentUrl)
        {
            var read = await ReadFragmentAsync(fragmentUrl);
            if (read.Fragment is not { } fragment)
            {
                context.Response.StatusCode = read.Status == FragmentReadStatus.Gone ? StatusCodes.Status410Gone : StatusCodes.Status404NotFound;
                return;
            }

            await WriteFragmentAsync(context, fragment, read);
            return;
        }

        if (StreamsPath().Match(path) is { Success: true } streams)
        {
            await ServeStreamsAsync(context, streams.Groups["point"].Value);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    /// <summary>The pull endpoint (<c>Streams(all)</c>), as the gateway answers it: header boxes, fragments as they come, an mfra at the end.</summary>
    private async Task ServeStreamsAsync(HttpContext context, string pointPath)
    {
        var status = await Grains.GetGrain<IPublishingPointGrain>(pointPath).GetStatusAsync();
        if (!status.Exists || status.State is PublishingPointState.Idle or PublishingPointState.Starting or PublishingPointState.Shutdown || status.Tracks.IsEmpty)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (status.State == PublishingPointState.Stopped && status.SessionId is { } session && context.Request.Headers[TierHeaders.Session] == session)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var after = (context.Request.Query["after"].ToString() ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(p => p[..p.LastIndexOf(':')], p => long.Parse(p[(p.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var tracks = status.Tracks
            .Select(t => new PumpTrack(PublishingPointPath.TrackKey(pointPath, t.Name, t.Bitrate), t, after.GetValueOrDefault($"{t.Name}_{t.Bitrate}", long.MinValue)))
            .ToList();
        context.Response.ContentType = "video/mp4";
        context.Response.Headers[TierHeaders.Session] = status.SessionId ?? "";
        await new TrackStreamPump(Grains, tracks, status.SessionEpoch).RunAsync(context.Response.BodyWriter, context.RequestAborted);
    }

    /// <summary>The fragment a fragment URL names, as the track grain reads it.</summary>
    public Task<FragmentRead> ReadFragmentAsync(Match url)
    {
        var key = PublishingPointPath.TrackKey(
            url.Groups["point"].Value,
            url.Groups["name"].Value,
            int.Parse(url.Groups["bitrate"].Value, CultureInfo.InvariantCulture));
        return Grains.GetGrain<ITrackGrain>(key).ReadFragmentAsync(long.Parse(url.Groups["time"].Value, CultureInfo.InvariantCulture), TimeSpan.Zero);
    }

    /// <summary>Writes a Smooth fragment response (moof with tfxd and tfrf, then mdat) for <paramref name="fragment"/>.</summary>
    public static async Task WriteFragmentAsync(HttpContext context, Fragment fragment, FragmentRead read)
    {
        var header = new BoxWriter(256 + (fragment.Samples.Length * 16));
        SmoothFragmentWriter.WriteHeader(header, fragment, 1, (uint)read.SequenceNumber, read.Lookahead.AsSpan(), live: !read.Ended);
        context.Response.ContentType = read.Kind == TrackKind.Audio ? "audio/mp4" : "video/mp4";
        context.Response.ContentLength = header.WrittenSpan.Length + fragment.Data.Length;
        await context.Response.BodyWriter.WriteAsync(header.ToArray());
        await context.Response.BodyWriter.WriteAsync(fragment.Data);
    }

    [GeneratedRegex(@"^/(?<point>.+)\.isml/Streams\((?<stream>[^)]+)\)$")]
    public static partial Regex StreamsPath();

    [GeneratedRegex(@"^/(?<point>.+)\.isml/Manifest$")]
    public static partial Regex ManifestPath();

    [GeneratedRegex(@"^/(?<point>.+)\.isml/QualityLevels\((?<bitrate>\d+)\)/Fragments\((?<name>[^=]+)=(?<time>-?\d+)\)$")]
    public static partial Regex FragmentPath();

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
        await _silo.DisposeAsync();
    }

    /// <summary>The ffmpeg capture this repository's media tests use (two H.264 tracks, one AAC track, two fragments each).</summary>
    public static byte[] Capture([CallerFilePath] string thisFile = "") =>
        File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "Cluster.Media.Tests", "TestData", "three-tracks.ismv"));

    /// <summary>The capture's header and fragments, in file order.</summary>
    public static async Task<(IngestHeader Header, List<IngestFragment> Fragments)> ReadCaptureAsync()
    {
        var reader = new SmoothIngestReader(PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(Capture())), IngestLimits.Default);
        var header = await reader.ReadHeaderAsync(CancellationToken.None);
        var fragments = new List<IngestFragment>();
        while (await reader.ReadFragmentAsync(CancellationToken.None) is { } fragment)
        {
            fragments.Add(fragment);
        }

        return (header, fragments);
    }

    /// <summary>Log lines of a node, kept for assertions.</summary>
    internal sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
