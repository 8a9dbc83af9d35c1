using System.Net;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Security;

/// <summary>Node quotas and per-client rate limits: refused with 503/429 and Retry-After, while what is already live goes on.</summary>
public sealed class QuotaTests
{
    private static readonly byte[] Capture = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv"));

    [Fact]
    public async Task Push_BeyondMaxLivePointsPerNode_Answers503UntilALivePointEnds()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:PublishingPoints:MaxLivePointsPerNode=1");
        await using var live = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("live/first.isml/"), realTime: true, seconds: 8));
        await WaitUntilLiveAsync(silo, "live/first", live);

        using var refused = await silo.Http.PostAsync("live/second.isml/Streams(s1)", new ByteArrayContent(Capture));

        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        (await refused.Content.ReadAsStringAsync()).ShouldContain("MaxLivePointsPerNode");
        (await live.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, live.Log);
        await WaitUntilStoppedAsync(silo, "live/first");
        (await SmoothManifest.TryGetAsync(silo.Http, "live/first.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(3, "the live point was not affected");

        using var admitted = await silo.Http.PostAsync("live/second.isml/Streams(s1)", new ByteArrayContent(Capture));
        admitted.StatusCode.ShouldBe(HttpStatusCode.OK, "the first point has ended");
    }

    [Fact]
    public async Task Push_OverTheNodesDvrBytes_NewPointAnswers503AndTheExistingKeepsItsFragments()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:PublishingPoints:MaxDvrBytesPerNode=1000", "--Cluster:PublishingPoints:Defaults:RestartOnEncoderReconnect=true");
        using var first = await silo.Http.PostAsync("live/held.isml/Streams(s1)", new ByteArrayContent(Capture));
        first.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var probe = await silo.Http.PostAsync("live/more.isml/Streams(s1)", new ByteArrayContent([]));
        using var push = await silo.Http.PostAsync("live/more.isml/Streams(s1)", new ByteArrayContent(Capture));

        probe.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "the probe tells the encoder before it sends media");
        push.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await push.Content.ReadAsStringAsync()).ShouldContain("MaxDvrBytesPerNode");
        (await SmoothManifest.TryGetAsync(silo.Http, "live/held.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Push_BeyondAutoCreatedPointsPerClient_NewPathAnswers429AndExistingPointsStillTakePushes()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:PublishingPoints:MaxAutoCreatedPointsPerClient=2", "--Cluster:PublishingPoints:Defaults:RestartOnEncoderReconnect=true");
        foreach (var path in new[] { "live/c1", "live/c2" })
        {
            using var created = await silo.Http.PostAsync(path + ".isml/Streams(s1)", new ByteArrayContent(Capture));
            created.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var third = await silo.Http.PostAsync("live/c3.isml/Streams(s1)", new ByteArrayContent(Capture));
        using var probe = await silo.Http.PostAsync("live/c3.isml/Streams(s1)", new ByteArrayContent([]));
        using var again = await silo.Http.PostAsync("live/c1.isml/Streams(s1)", new ByteArrayContent(Capture));

        third.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await third.Content.ReadAsStringAsync()).ShouldContain("MaxAutoCreatedPointsPerClient");
        probe.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        again.StatusCode.ShouldBe(HttpStatusCode.OK, "an existing point is not counted again");
        using var status = await silo.Http.GetAsync("admin/publishing-points/live/c3");
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Probes_OverTheRateLimit_Answer429WithRetryAfterButPushesGoOn()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:Security:RateLimits:IngestProbesPerMinute=3");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var probe = await silo.Http.PostAsync($"live/p{i}.isml/Streams(v)", new ByteArrayContent([]));
            statuses.Add(probe.StatusCode);
            if (probe.StatusCode == HttpStatusCode.TooManyRequests)
            {
                probe.Headers.RetryAfter.ShouldNotBeNull();
            }
        }

        using var push = await silo.Http.PostAsync("live/pushed.isml/Streams(s1)", new ByteArrayContent(Capture));

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]);
        push.StatusCode.ShouldBe(HttpStatusCode.OK);
        silo.Warnings.WithEvent(2030).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Admin_OverTheRateLimit_Answers429()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:Security:RateLimits:AdminRequestsPerMinute=2");

        using var one = await silo.Http.GetAsync("admin/publishing-points/live/a");
        using var two = await silo.Http.GetAsync("admin/publishing-points/live/a");
        using var three = await silo.Http.GetAsync("admin/publishing-points/live/a");
        using var playback = await silo.Http.GetAsync("live/a.isml/Manifest");

        three.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        playback.StatusCode.ShouldBe(HttpStatusCode.NotFound, "playback is not rate limited here");
    }

    /// <summary>ffmpeg exits without waiting for its answers, so the point may end a moment after it.</summary>
    private static async Task WaitUntilStoppedAsync(InProcessSilo silo, string point)
    {
        for (var attempt = 0; attempt < 600 && (await silo.Http.GetStringAsync("admin/publishing-points/" + point)).Contains("\"state\":\"Started\"", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntilLiveAsync(InProcessSilo silo, string point, Ffmpeg ffmpeg)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var manifest = await SmoothManifest.TryGetAsync(silo.Http, point + ".isml/Manifest");
            if (manifest is { IsLive: true } && manifest.Streams.Count >= 2)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The point never went live.\n" + ffmpeg.Log);
    }
}
