using Cluster.Contracts.PublishingPoints;

namespace Cluster.Gateway.Tests.Playback;

public sealed class PlaybackHandlerCachingTests
{
    private const string Point = "live/a";
    private const string TrackKey = "live/a/video_1000";
    private const string Smooth = "/live/a.isml/QualityLevels(1000)/Fragments(video=0)";
    private const string Cmaf = "/live/a.isml/QualityLevels(1000)/Fragments(video=0,format=m3u8-cmaf)";
    private const string Manifest = "/live/a.isml/Manifest";
    private const string Immutable = "public, max-age=31536000, immutable";

    [Fact]
    public async Task ServeFragment_CmafSegmentAskedAgain_ServedWithoutGrainCall()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));

        var first = await host.GetAsync(Cmaf);
        var calls = (host.Origin.ReadCalls, host.Origin.StatusCalls);
        var second = await host.GetAsync(Cmaf);

        first.Status.ShouldBe(200);
        first.CacheControl.ShouldBe(Immutable);
        first.ContentLength.ShouldBe(first.Body.Length);
        first.Body.Length.ShouldBeGreaterThan(5000);
        calls.ShouldBe((1, 1));
        (host.Origin.ReadCalls, host.Origin.StatusCalls).ShouldBe(calls);
        second.ShouldBeEquivalentTo(first);
        host.Responses.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ServeFragment_SmoothWithCompleteLookahead_ServedWithoutGrainCallWithTheSameBytes()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000, lookahead: 2));

        var first = await host.GetAsync(Smooth);
        var second = await host.GetAsync(Smooth);

        first.Status.ShouldBe(200);
        first.CacheControl.ShouldBe(Immutable);
        second.ShouldBeEquivalentTo(first);
        host.Origin.ReadCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeFragment_SmoothAndCmafOfOneFragment_CachedSeparately()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));

        var smooth = await host.GetAsync(Smooth);
        var cmaf = await host.GetAsync(Cmaf);
        var dash = await host.GetAsync("/live/a.isml/QualityLevels(1000)/Fragments(video=0,format=mpd-time-cmaf)");

        smooth.Body.ShouldNotBe(cmaf.Body);
        dash.Body.ShouldBe(cmaf.Body);
        host.Origin.ReadCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeFragment_SmoothWithIncompleteLookahead_NeverCached()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000, lookahead: 1));

        var first = await host.GetAsync(Smooth);
        await host.GetAsync(Smooth);

        first.Status.ShouldBe(200);
        first.CacheControl.ShouldBe("public, max-age=1");
        host.Origin.ReadCalls.ShouldBe(2);
        host.Responses.Count.ShouldBe(0);
    }

    [Fact]
    public async Task ServeFragment_NotFound_NeverCachedSoTheArrivedFragmentIsServed()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);

        var missing = await host.GetAsync(Cmaf);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));
        var arrived = await host.GetAsync(Cmaf);

        missing.Status.ShouldBe(404);
        missing.CacheControl.ShouldBe("no-cache");
        arrived.Status.ShouldBe(200);
        host.Origin.ReadCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeFragment_IfNoneMatchOnHit_Answers304WithoutGrainCall()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));
        var first = await host.GetAsync(Cmaf);

        var conditional = await host.GetAsync(Cmaf, ifNoneMatch: first.ETag);
        var otherTag = await host.GetAsync(Cmaf, ifNoneMatch: "\"other\"");

        conditional.Status.ShouldBe(304);
        conditional.Body.ShouldBeEmpty();
        conditional.ETag.ShouldBe(first.ETag);
        otherTag.Status.ShouldBe(200);
        otherTag.Body.ShouldBe(first.Body);
        host.Origin.ReadCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeFragment_HeadOnHit_HeadersWithoutBody()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));
        var first = await host.GetAsync(Cmaf);

        var head = await host.GetAsync(Cmaf, method: "HEAD");

        head.Status.ShouldBe(200);
        head.Body.ShouldBeEmpty();
        head.ContentLength.ShouldBe(first.Body.Length);
        head.ContentType.ShouldBe("video/mp4");
        host.Origin.ReadCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeFragment_ManyHitsWithinTheDuration_OneSessionCheckPerDuration()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));

        for (var i = 0; i < 20; i++)
        {
            await host.GetAsync(Cmaf);
        }

        host.Origin.StatusCalls.ShouldBe(1);
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 20; i++)
        {
            await host.GetAsync(Cmaf);
        }

        host.Origin.StatusCalls.ShouldBe(2);
        host.Origin.ReadCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeFragment_NewSessionReusesTheTime_NewBytesServedOnceTheSessionCheckExpires()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000, fill: 1));
        var old = await host.GetAsync(Cmaf);

        // The encoder restarts: a new session whose first fragment has the same time and other bytes.
        host.Origin.SetPoint(Point, epoch: 2);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000, fill: 2));
        var withinTheDuration = await host.GetAsync(Cmaf);
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterwards = await host.GetAsync(Cmaf);
        var again = await host.GetAsync(Cmaf);

        withinTheDuration.Body.ShouldBe(old.Body);
        afterwards.Body[^1].ShouldBe((byte)2);
        again.Body.ShouldBe(afterwards.Body);
        host.Origin.ReadCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeFragment_UnknownPoint_NeverCached()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));

        await host.GetAsync(Cmaf);
        await host.GetAsync(Cmaf);

        host.Origin.ReadCalls.ShouldBe(2);
        host.Responses.Count.ShouldBe(0);
    }

    [Fact]
    public async Task ServeFragment_ResponseCacheSizeZero_EveryRequestReadsTheTrack_StatusReadOncePerLifetime()
    {
        await using var host = new PlaybackHost(("ResponseCacheSize", "0"));
        host.Origin.SetPoint(Point, epoch: 1);
        host.Origin.SetFragment(TrackKey, FakeOrigin.Found(0, 5000));

        var first = await host.GetAsync(Cmaf);
        var second = await host.GetAsync(Cmaf);

        first.CacheControl.ShouldBe(Immutable);
        second.Body.ShouldBe(first.Body);
        host.Origin.ReadCalls.ShouldBe(2);

        // No session check for a cache key, but whether the point runs on demand (a viewer keeps it running) is read once
        // for both, kept for the manifest cache's lifetime like every status.
        host.Origin.StatusCalls.ShouldBe(1);
        host.Responses.Enabled.ShouldBeFalse();
    }

    [Fact]
    public async Task ServeFragment_ManyFragments_CacheStaysWithinItsBound()
    {
        const long Bound = 64 * 1024;
        await using var host = new PlaybackHost(("ResponseCacheSize", Bound.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        host.Origin.SetPoint(Point, epoch: 1);
        for (var i = 0; i < 50; i++)
        {
            host.Origin.SetFragment(TrackKey, FakeOrigin.Found(i * 1000L, 5000));
            (await host.GetAsync($"/live/a.isml/QualityLevels(1000)/Fragments(video={i * 1000},format=m3u8-cmaf)")).Status.ShouldBe(200);
            host.Responses.Size.ShouldBeLessThanOrEqualTo(Bound);
        }

        host.Responses.Count.ShouldBeGreaterThan(0);
        (await host.GetAsync("/live/a.isml/QualityLevels(1000)/Fragments(video=49000,format=m3u8-cmaf)")).Status.ShouldBe(200);
        host.Origin.ReadCalls.ShouldBe(50);
    }

    [Fact]
    public async Task ServeManifest_BurstWithinTheDuration_OneGrainCall()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v1/>");

        var responses = new List<PlaybackResponse>();
        for (var i = 0; i < 10; i++)
        {
            responses.Add(await host.GetAsync(Manifest));
            host.Clock.Advance(TimeSpan.FromMilliseconds(99));
        }

        responses.ShouldAllBe(r => r.Status == 200 && r.Body.Length == 5);
        host.Origin.ManifestCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeManifest_DurationPassed_RefreshedFromTheGrain()
    {
        await using var host = new PlaybackHost(("ManifestCacheDuration", "00:00:02"));
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v1/>");
        var first = await host.GetAsync(Manifest);
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v2/>");

        host.Clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        var stillCached = await host.GetAsync(Manifest);
        host.Clock.Advance(TimeSpan.FromTicks(1));
        var refreshed = await host.GetAsync(Manifest);

        stillCached.Body.ShouldBe(first.Body);
        refreshed.Body.ShouldBe("<v2/>"u8.ToArray());
        refreshed.ETag.ShouldNotBe(first.ETag);
        host.Origin.ManifestCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeManifest_ConcurrentRequestsWhileTheCallIsInFlight_ShareOneCall()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetManifest(Point, ManifestFormat.Dash, "<MPD/>");
        host.Origin.ManifestGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var requests = Enumerable.Range(0, 8).Select(_ => host.GetAsync("/live/a.isml/manifest(format=mpd-time-cmaf)")).ToArray();
        host.Origin.ManifestGate.SetResult();
        var responses = await Task.WhenAll(requests);

        responses.ShouldAllBe(r => r.Status == 200);
        host.Origin.ManifestCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeManifest_IfNoneMatchOnCachedManifest_Answers304()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v1/>");
        var first = await host.GetAsync(Manifest);

        var conditional = await host.GetAsync(Manifest, ifNoneMatch: first.ETag);

        conditional.Status.ShouldBe(304);
        conditional.Body.ShouldBeEmpty();
        host.Origin.ManifestCalls.ShouldBe(1);
    }

    [Fact]
    public async Task ServeManifest_MissingDocument_NotCachedSoAStartingPointIsSeenAtOnce()
    {
        await using var host = new PlaybackHost();

        var missing = await host.GetAsync(Manifest);
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v1/>");
        var started = await host.GetAsync(Manifest);

        missing.Status.ShouldBe(404);
        started.Status.ShouldBe(200);
        host.Origin.ManifestCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeManifest_DurationZero_EveryRequestCallsTheGrain()
    {
        await using var host = new PlaybackHost(("ManifestCacheDuration", "00:00:00"));
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v1/>");

        await host.GetAsync(Manifest);
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<v2/>");
        var second = await host.GetAsync(Manifest);

        second.Body.ShouldBe("<v2/>"u8.ToArray());
        host.Origin.ManifestCalls.ShouldBe(2);
    }

    [Fact]
    public async Task ServeManifest_FormatsAndMediaPlaylists_CachedSeparately()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetManifest(Point, ManifestFormat.Smooth, "<smooth/>");
        host.Origin.SetManifest(Point, ManifestFormat.Hls, "#EXTM3U multivariant");
        host.Origin.SetPlaylist(Point, "video", 1000, "#EXTM3U video");
        host.Origin.SetPlaylist(Point, "video", 2000, "#EXTM3U video 2000");

        string[] urls =
        [
            Manifest,
            "/live/a.isml/manifest(format=m3u8-cmaf)",
            "/live/a.isml/QualityLevels(1000)/Manifest(video,format=m3u8-cmaf)",
            "/live/a.isml/QualityLevels(2000)/Manifest(video,format=m3u8-cmaf)",
        ];
        var bodies = new List<string>();
        foreach (var url in urls.Concat(urls))
        {
            bodies.Add(System.Text.Encoding.UTF8.GetString((await host.GetAsync(url)).Body));
        }

        bodies.ShouldBe(["<smooth/>", "#EXTM3U multivariant", "#EXTM3U video", "#EXTM3U video 2000", "<smooth/>", "#EXTM3U multivariant", "#EXTM3U video", "#EXTM3U video 2000"]);
        host.Origin.ManifestCalls.ShouldBe(4);
    }

    [Fact]
    public async Task ServeInit_CmafHeader_NotKeptByTheGateway()
    {
        await using var host = new PlaybackHost();
        host.Origin.SetPoint(Point, epoch: 1);

        var init = await host.GetAsync("/live/a.isml/QualityLevels(1000)/Fragments(video=i,format=m3u8-cmaf)");

        init.Status.ShouldBe(200);
        init.CacheControl.ShouldBe("public, max-age=60");
        host.Responses.Count.ShouldBe(0);
    }
}
