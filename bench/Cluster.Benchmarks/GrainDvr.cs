using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains;
using Cluster.Media.Model;
using Cluster.Grains.Clustering;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Benchmarks;

/// <summary>
/// A publishing point with a full 2-hour DVR on 6 tracks, held by the grains on a real Orleans silo in this process
/// (localhost clustering on free ports), called through <see cref="IGrainFactory"/> exactly as a co-hosted gateway calls them.
/// </summary>
public sealed class GrainDvr : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ImmutableArray<TrackInfo> _tracks;
    private readonly long[] _nextTime;
    private readonly int[] _nextIndex;
    private ImmutableArray<string> _trackKeys;
    private long _epoch;

    private GrainDvr(IHost host, ImmutableArray<TrackInfo> tracks)
    {
        _host = host;
        _tracks = tracks;
        _nextTime = new long[tracks.Length];
        _nextIndex = new int[tracks.Length];
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Point = Grains.GetGrain<IPublishingPointGrain>(PointPath);
    }

    /// <summary>The point's path.</summary>
    public const string PointPath = "live/bench";

    public IGrainFactory Grains { get; }

    public IPublishingPointGrain Point { get; }

    /// <summary>Builds the runtime, opens an encoder session on 6 tracks and adds <paramref name="fragmentsPerTrack"/> fragments to each.</summary>
    public static async Task<GrainDvr> CreateAsync(int fragmentsPerTrack = BenchData.FragmentsPerTrack)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // The window is exactly the 2 hours of fragments added, so the window slides as the benchmark adds more.
                ["Cluster:PublishingPoints:Defaults:DvrWindowLength"] = "02:00:00",

                // Nothing to persist between runs, and no data folder written wherever the benchmark is started.
                ["Cluster:PublishingPoints:Store"] = "InMemory",
                ["Cluster:Silo:Endpoint"] = $"127.0.0.1:{FreePort()}",
                ["Cluster:Silo:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),

                // No silo fails here: the 5 s default (a crashed silo's points answer 503 quickly) only made the first,
                // cold call fail on a machine busy with other test projects.
                ["Cluster:Silo:CallTimeout"] = "00:01:00",
            })
            .Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddClusterGrains(configuration);
        builder.UseOrleans(silo => silo.AddClusterSilo(configuration));
        var host = builder.Build();
        await host.StartAsync();
        var dvr = new GrainDvr(host, BenchData.Tracks());
        await dvr.OpenAsync();
        for (var i = 0; i < fragmentsPerTrack; i++)
        {
            for (var t = 0; t < dvr._tracks.Length; t++)
            {
                await dvr.AddFragmentAsync(t);
            }
        }

        return dvr;
    }

    /// <summary>Adds the next fragment of track <paramref name="track"/> (0-3 video, 4-5 audio).</summary>
    public async Task AddFragmentAsync(int track)
    {
        var kind = _tracks[track].Kind;
        var index = _nextIndex[track]++;
        var fragment = BenchData.Fragment(kind, _nextTime[track], index);
        _nextTime[track] = fragment.End;
        var result = await Grains.GetGrain<ITrackGrain>(_trackKeys[track]).AddFragmentAsync(_epoch, fragment);
        if (result != AddFragmentResult.Added)
        {
            throw new InvalidOperationException($"Fragment {index} of track {track} was not added: {result}.");
        }
    }

    /// <summary>
    /// Adds the next fragment of every track, as a live encoder does. Adding to one level only would slide that level's
    /// window away from the others until the levels share no fragment and the stream drops out of the manifests.
    /// </summary>
    public async Task AddFragmentToEveryTrackAsync()
    {
        for (var track = 0; track < _tracks.Length; track++)
        {
            await AddFragmentAsync(track);
        }
    }

    /// <summary>The number of fragments the first track's timeline holds now.</summary>
    public async Task<int> CountAsync() => (await Grains.GetGrain<ITrackGrain>(_trackKeys[0]).GetTimelineAsync()).Count;

    private async Task OpenAsync()
    {
        var admission = await Point.OpenIngestAsync(new IngestOpening("bench-connection", "bench", null, "127.0.0.1", _tracks), createIfMissing: true);
        if (!admission.Accepted)
        {
            throw new InvalidOperationException($"The point refused the session: {admission.StatusCode} {admission.Reason}");
        }

        _epoch = admission.SessionEpoch;
        _trackKeys = admission.TrackKeys;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
