using System.Net;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Runtime;
using Cluster.Silo;
using Cluster.Testing;

namespace Cluster.Integration.Tests.Cluster;

/// <summary>
/// The product as a cluster in one process: three silos and two gateways built exactly as the executable builds them,
/// ffmpeg pushing through one gateway while players read through the other.
/// </summary>
public sealed class GatewayClusterTests
{
    private const long OneSecond = 10_000_000;

    private static readonly TestNodeBuilder Node = (args, configure) => SiloApplication.Build(args, configure);

    [Fact]
    public async Task Push_ThroughOneGateway_PlaysFromAnotherWhileThePointAndItsTracksLiveOnOneSilo()
    {
        await using var cluster = await TestCluster.StartAsync(Node, 3);
        var ingest = await cluster.StartGatewayAsync();
        var playback = await cluster.StartGatewayAsync();
        await cluster.WaitForStableAsync();
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(ingest.Url("live/clu.isml/"), realTime: true, seconds: 8));

        var live = await WaitForLiveAsync(playback, "live/clu", fragments: 2, ffmpeg);
        live.IsLive.ShouldBeTrue();

        // The point and every track it holds are on one silo; nothing is activated anywhere else.
        var owner = cluster.Silos.Where(s => s.Catalog.ActiveGrains.Contains(new GrainId("publishingpointgrain", "live/clu"))).ShouldHaveSingleItem();
        var tracks = cluster.Silos.SelectMany(s => s.Catalog.ActiveGrains.Where(g => g.Type == "trackgrain" && g.Key.StartsWith("live/clu/", StringComparison.Ordinal)).Select(g => (s, g))).ToList();
        tracks.Count.ShouldBe(3);
        tracks.ShouldAllBe(t => t.s == owner);
        ingest.Catalog.Count.ShouldBe(0);
        playback.Catalog.Count.ShouldBe(0);

        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);
        var vod = await SmoothManifest.WaitForVodAsync(playback.Http, "live/clu.isml/Manifest", TimeSpan.FromSeconds(10));
        vod.Single("video").Fragments.Count.ShouldBe(4);
        foreach (var stream in vod.Streams)
        {
            foreach (var level in stream.Levels)
            {
                foreach (var (time, _) in stream.Fragments)
                {
                    var url = "live/clu.isml/" + stream.FragmentUrl(level, time);
                    using var response = await playback.Http.GetAsync(url);
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    Boxes.Children(body, 0, body.Length).Select(b => b.Type).ShouldBe(["moof", "mdat"], url);
                }
            }
        }

        using var hls = await playback.Http.GetAsync("live/clu.isml/manifest(format=m3u8-cmaf)");
        hls.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await hls.Content.ReadAsStringAsync()).ShouldContain("#EXT-X-STREAM-INF");
    }

    [Fact]
    public async Task Crash_SiloOwningALivePoint_ReconnectingEncoderContinuesOnAnotherSilo()
    {
        await using var cluster = await TestCluster.StartAsync(Node, 3, TestCluster.FastFailureDetection);
        var ingest = await cluster.StartGatewayAsync();
        var playback = await cluster.StartGatewayAsync();
        await cluster.WaitForStableAsync();
        var point = ingest.Url("live/failover.isml/");
        var first = Ffmpeg.Start(Ffmpeg.MultiBitratePush(point, realTime: true, seconds: 60));
        await WaitForLiveAsync(playback, "live/failover", fragments: 2, first);
        var owner = cluster.Silos.Single(s => s.Catalog.ActiveGrains.Contains(new GrainId("publishingpointgrain", "live/failover")));

        await cluster.CrashAsync(owner);

        // Until the crash is detected the gateways answer 503 with Retry-After, never a server error.
        using (var during = await playback.Http.GetAsync("live/failover.isml/QualityLevels(600000)/Fragments(video=999)"))
        {
            ((int)during.StatusCode).ShouldBeOneOf(404, 503);
        }

        await first.DisposeAsync();

        // The encoder reconnects (ffmpeg exits when its POST is refused, so it is restarted, as an encoder's retry would).
        // It now cuts 1 s fragments instead of 2 s ones, so the new session's manifest cannot be mistaken for the old one.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        Ffmpeg? second = null;
        SmoothManifest? resumed = null;
        try
        {
            while (resumed is null && DateTime.UtcNow < deadline)
            {
                if (second is null || second.HasExited)
                {
                    if (second is not null)
                    {
                        await second.DisposeAsync();
                    }

                    second = Ffmpeg.Start(Ffmpeg.MultiBitratePush(point, realTime: true, seconds: 30, gopFrames: 25));
                }

                await Task.Delay(200);
                var manifest = await SmoothManifest.TryGetAsync(playback.Http, "live/failover.isml/Manifest");
                if (manifest is { IsLive: true } && manifest.Streams.Any(s => s.Type == "video" && s.Fragments.Count >= 2 && s.Fragments.All(f => f.Duration == OneSecond)))
                {
                    resumed = manifest;
                }
            }

            resumed.ShouldNotBeNull(second?.Log);
            var successor = cluster.Silos.Single(s => s.Catalog.ActiveGrains.Contains(new GrainId("publishingpointgrain", "live/failover")));
            successor.ShouldNotBe(owner);
            var video = resumed.Single("video");
            using var fragment = await playback.Http.GetAsync("live/failover.isml/" + video.FragmentUrl(video.Levels[0], video.Fragments[0].Time));
            fragment.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    private static async Task<SmoothManifest> WaitForLiveAsync(TestNode gateway, string point, int fragments, Ffmpeg encoder)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var manifest = await SmoothManifest.TryGetAsync(gateway.Http, $"{point}.isml/Manifest");
            if (manifest is not null && manifest.Streams.Count >= 2 && manifest.Single("video").Fragments.Count >= fragments)
            {
                return manifest;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{point} never listed {fragments} video fragments through the gateway.\n{encoder.Log}");
    }
}
