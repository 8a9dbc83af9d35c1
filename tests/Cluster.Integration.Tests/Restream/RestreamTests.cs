using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Integration.Tests.ProcessCluster;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests.Restream;

/// <summary>
/// Cluster restreaming as seed 004 describes it, each node its own process: an ingest node pushes every point to two
/// source nodes (so both hold the same stream, as a cluster ingest does), and a restreamer started late takes their
/// stream lists with <c>Only</c>/<c>Except</c> rules, a local point of a listed name, a static and two on-demand streams
/// (one on demand at the source itself), and hls.js and dash.js viewers moving between nodes. Expectations come from
/// the seed and from what the sources serve.
/// </summary>
public sealed class RestreamTests(ITestOutputHelper output)
{
    private const string ClusterKey = "restream-test-cluster-key-0123456789";
    private const long Second = 10_000_000;

    /// <summary>How long a condition on the processes may take: start-up of several nodes on a loaded 2-core machine included.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    /// <summary>How long a player in headless Chromium gets (browser start-up beside four nodes on 2 cores included).</summary>
    private static readonly TimeSpan PlayerBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Restreamer_TwoSourcesWithRules_TakesWhatTheRulesSay_SameBytes_OnDemandStartsAndStops_FailsOverWithoutAGap_PlayersPlayOn()
    {
        var clock = Stopwatch.StartNew();
        void Log(string line) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var capture = await RestreamMedia.CaptureAsync();

        await using var sourceA = await NodeProcess.StartAsync("source-a", $"--Cluster:ClusterKey={ClusterKey}");
        await using var sourceB = await NodeProcess.StartAsync("source-b", $"--Cluster:ClusterKey={ClusterKey}");
        await using var ingest = await NodeProcess.StartAsync(
            "ingest",
            $"--Cluster:ClusterKey={ClusterKey}",
            $"--Cluster:PublishingPoints:Defaults:PushOutputs:0={sourceA.Address}{{path}}.isml",
            $"--Cluster:PublishingPoints:Defaults:PushOutputs:1={sourceB.Address}{{path}}.isml");
        NodeProcess? restreamer = null;
        string Diagnostics() => string.Join('\n', new[] { sourceA, sourceB, ingest, restreamer }.OfType<NodeProcess>().Select(n => n.LogTail()));

        // On source B, ondemand/cam is an on-demand pull of the ingest's sport: a stream the source itself runs on demand.
        await PutAsync(http, sourceB, "ondemand/cam", new { pullInput = new { urls = new[] { $"{ingest.Address}sport.isml" }, onDemand = true, idleTimeout = "00:00:04" } });
        var pushers = new List<PacedSmoothPusher>();
        try
        {
            foreach (var point in new[] { "mylive/one", "mylive/secret", "news", "sport" })
            {
                pushers.Add(PacedSmoothPusher.Start(new Uri(ingest.Address, point + ".isml/Streams(0)"), capture, new SmoothPushPlan { Speed = 1 }));
            }

            await Eventually.UntilAsync(async () => await RestreamMedia.VideoCountAsync(http, sourceB, "mylive/one") >= 3, Bound, () => $"the sources did not get mylive/one\n{Diagnostics()}");
            Log("the sources hold 3 fragments of mylive/one; starting the restreamer");

            restreamer = await NodeProcess.StartAsync(
                "restreamer",
                $"--Cluster:ClusterKey={ClusterKey}",
                $"--Cluster:Restream:Sources:0:Name=a",
                $"--Cluster:Restream:Sources:0:Url={sourceA.Address}",
                "--Cluster:Restream:Sources:0:Only:0=mylive/*",
                "--Cluster:Restream:Sources:0:Except:0=mylive/secret",
                "--Cluster:Restream:Sources:0:OnDemandIdleTimeout=00:00:03",
                "--Cluster:Restream:Sources:0:RetryCount=1",
                "--Cluster:Restream:Sources:0:RetryDelay=00:00:00.500",
                $"--Cluster:Restream:Sources:1:Name=b",
                $"--Cluster:Restream:Sources:1:Url={sourceB.Address}",
                "--Cluster:Restream:Sources:1:Except:0=mylive/secret",
                "--Cluster:Restream:Sources:1:Except:1=sport",
                "--Cluster:Restream:Sources:1:OnDemandIdleTimeout=00:00:03",
                "--Cluster:PublishingPoints:Points:news:DvrWindowLength=00:10:00");
            var r = restreamer;

            // 1. Exactly the rules' sets: static mylive/one from a then b; on demand sport (only a: b excepts it) and
            //    ondemand/cam (on demand at b); mylive/secret nowhere; news shadowed by the local point.
            await Eventually.UntilAsync(
                async () => Describe(await RestreamAsync(http, r)) == "mylive/one static a,b | ondemand/cam ondemand b | sport ondemand a || shadowed: news",
                Bound,
                () => $"the restreamer's points are not the rules' sets: {Describe(RestreamAsync(http, r).Result)}\n{Diagnostics()}");
            Log("the restreamer took exactly the rules' sets");
            (await StatusAsync(http, r, "mylive/secret")).ShouldBeNull();
            (await StatusAsync(http, r, "news")).ShouldNotBeNull().GetProperty("settings").GetProperty("pullInput").ValueKind.ShouldBe(JsonValueKind.Null);
            (await StatusAsync(http, r, "sport")).ShouldNotBeNull().GetProperty("state").GetString().ShouldBe("Idle");

            // 2. A static stream is pulled with no viewer, from the start of the source's DVR (the restreamer joined late),
            //    and the same URLs answer the same bytes.
            await Eventually.UntilAsync(async () => await RestreamMedia.VideoCountAsync(http, r, "mylive/one") >= 4, Bound, () => $"mylive/one was not restreamed\n{Diagnostics()}");
            var onSource = await SmoothManifest.TryGetAsync(http, new Uri(sourceA.Address, "mylive/one.isml/Manifest").ToString());
            var restreamed = await SmoothManifest.TryGetAsync(http, new Uri(r.Address, "mylive/one.isml/Manifest").ToString());
            restreamed!.Single("video").Fragments[0].ShouldBe(onSource!.Single("video").Fragments[0], "the restreamer's DVR starts where the source's does");
            await AssertSameBytesAsync(http, "mylive/one", onSource, sourceA, r);
            foreach (var manifest in SameBytes.Manifests)
            {
                await SameBytes.AssertAsync(http, "mylive/one.isml/" + manifest, sourceA.Address, r.Address);
            }

            Log("mylive/one: the restreamer's DVR starts at the source's first fragment; fragments and manifests are the same bytes");

            // A viewer can move between them: hls.js playing from source a goes on when its requests go to the restreamer.
            await using (var viewer = await PlayerPage.OpenAsync(new Uri(sourceA.Address, "mylive/one.isml/manifest(format=m3u8-cmaf)")))
            {
                (await viewer.WaitForPlaybackAsync(seconds: 1, PlayerBound)).Advanced(1).ShouldBeTrue($"hls.js did not play from source a\n{viewer.ConsoleLog}");
                var toRestreamer = await viewer.SwitchOriginAsync(sourceA.Address, r.Address);
                var moved = await viewer.WaitForPlaybackAsync(seconds: 3, PlayerBound);
                moved.Advanced(3).ShouldBeTrue($"hls.js stopped when moved to the restreamer: {moved}\n{viewer.ConsoleLog}");
                toRestreamer().ShouldBeGreaterThan(0);
            }

            Log("hls.js played from source a, then on from the restreamer");

            // 3. On demand: the first request starts the stream and waits for it; without viewers it stops again.
            using (var first = await http.GetAsync(new Uri(r.Address, "sport.isml/Manifest")))
            {
                first.StatusCode.ShouldBe(HttpStatusCode.OK, Diagnostics());
            }

            using (var chained = await http.GetAsync(new Uri(r.Address, "ondemand/cam.isml/Manifest")))
            {
                chained.StatusCode.ShouldBe(HttpStatusCode.OK, Diagnostics());
            }

            (await StatusAsync(http, r, "sport")).ShouldNotBeNull().GetProperty("state").GetString().ShouldBe("Started");
            (await StatusAsync(http, sourceB, "ondemand/cam")).ShouldNotBeNull().GetProperty("state").GetString().ShouldBe("Started");
            Log("the first requests of sport and ondemand/cam started them (cam on source b too)");
            await Eventually.UntilAsync(async () => State(await StatusAsync(http, r, "sport")) == "Idle", Bound, () => $"sport did not stop without viewers\n{Diagnostics()}");
            await Eventually.UntilAsync(async () => State(await StatusAsync(http, sourceB, "ondemand/cam")) == "Idle", Bound, () => $"cam on b did not stop once the restreamer stopped pulling\n{Diagnostics()}");
            Log("without viewers sport stopped on the restreamer, and cam on the restreamer and on source b");

            // 4. A stream published here wins over the source's: an encoder pushing to ondemand/cam makes it local.
            pushers.Add(PacedSmoothPusher.Start(new Uri(r.Address, "ondemand/cam.isml/Streams(0)"), capture, new SmoothPushPlan { Speed = 1 }));
            await Eventually.UntilAsync(
                async () => Describe(await RestreamAsync(http, r)).EndsWith("shadowed: news,ondemand/cam", StringComparison.Ordinal)
                    && await StatusAsync(http, r, "ondemand/cam") is { } cam && State(cam) == "Started"
                    && cam.GetProperty("settings").GetProperty("restreamedFrom").ValueKind == JsonValueKind.Null,
                Bound,
                () => $"a push to ondemand/cam did not make it local: {Describe(RestreamAsync(http, r).Result)}\n{Diagnostics()}");
            Log("a push to ondemand/cam on the restreamer made it a local point, left alone by the restreamer");

            // 5. Streams appear and disappear with the sources' lists.
            pushers.Add(PacedSmoothPusher.Start(new Uri(ingest.Address, "mylive/two.isml/Streams(0)"), capture, new SmoothPushPlan { Speed = 1 }));
            await Eventually.UntilAsync(async () => Describe(await RestreamAsync(http, r)).Contains("mylive/two static a,b", StringComparison.Ordinal), Bound, () => $"mylive/two did not appear\n{Diagnostics()}");
            await PostAsync(http, sourceA, "sport/shutdown");
            await Eventually.UntilAsync(async () => await StatusAsync(http, r, "sport") is null, Bound, () => $"sport was not removed once no source listed it\n{Diagnostics()}");
            Log("mylive/two appeared; sport went once source a shut it down (b excepts it)");

            // 6. Source a dies: mylive/one goes on from source b, no gap, no duplicate, the same fragments as b's, and a
            //    dash.js viewer of the restreamer keeps playing.
            await using var dashViewer = await PlayerPage.OpenAsync(new Uri(r.Address, "mylive/one.isml/manifest(format=mpd-time-cmaf)"));
            (await dashViewer.WaitForPlaybackAsync(seconds: 1, PlayerBound)).Advanced(1).ShouldBeTrue($"dash.js did not play from the restreamer\n{dashViewer.ConsoleLog}");
            var before = (await SmoothManifest.TryGetAsync(http, new Uri(r.Address, "mylive/one.isml/Manifest").ToString()))!.Single("video").Fragments;
            sourceA.Kill();
            Log($"source a killed with {before.Count} fragments of mylive/one on the restreamer");
            await Eventually.UntilAsync(async () => await RestreamMedia.VideoCountAsync(http, r, "mylive/one") >= before.Count + 3, Bound, () => $"mylive/one did not go on from source b\n{Diagnostics()}");
            var after = (await SmoothManifest.TryGetAsync(http, new Uri(r.Address, "mylive/one.isml/Manifest").ToString()))!;
            var times = after.Single("video").Fragments;
            times.Take(before.Count).ShouldBe(before, "every fragment listed before the crash is still listed");
            for (var i = 1; i < times.Count; i++)
            {
                times[i].Time.ShouldBe(times[i - 1].Time + times[i - 1].Duration, $"fragment {i} of mylive/one: a gap or a duplicate after the failover");
            }

            var onB = (await SmoothManifest.TryGetAsync(http, new Uri(sourceB.Address, "mylive/one.isml/Manifest").ToString()))!;
            onB.Single("video").Fragments.Take(times.Count).ShouldBe(times.Take(onB.Single("video").Fragments.Count));
            await AssertSameBytesAsync(http, "mylive/one", after, sourceB, r, fromIndex: before.Count);
            await dashViewer.Page.EvaluateAsync("() => { window.playerState.start = null; }");
            var played = await dashViewer.WaitForPlaybackAsync(seconds: 4, PlayerBound);
            played.Advanced(4).ShouldBeTrue($"dash.js stopped after source a died: {played}\n{dashViewer.ConsoleLog}");
            Log($"failover to source b: {times.Count} contiguous fragments, the newest the same bytes as b's; dash.js played on");
        }
        finally
        {
            foreach (var pusher in pushers)
            {
                await pusher.DisposeAsync();
            }
        }
    }

    /// <summary>Three video and audio fragments from <paramref name="fromIndex"/>, as Smooth fragments and as CMAF segments, hash alike on both nodes.</summary>
    private static async Task AssertSameBytesAsync(HttpClient http, string point, SmoothManifest manifest, NodeProcess source, NodeProcess restreamer, int fromIndex = 0)
    {
        foreach (var stream in manifest.Streams)
        {
            foreach (var (time, _) in stream.Fragments.Skip(fromIndex).Take(3))
            {
                var smooth = $"{point}.isml/{stream.FragmentUrl(stream.Levels[0], time)}";
                var cmaf = smooth[..^1] + ",format=mpd-time-cmaf)";
                foreach (var url in new[] { smooth, cmaf })
                {
                    (await HashAsync(http, new Uri(restreamer.Address, url))).ShouldBe(await HashAsync(http, new Uri(source.Address, url)), url);
                }
            }
        }
    }

    private static async Task<string> HashAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, url.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    }

    private static async Task<JsonElement?> StatusAsync(HttpClient http, NodeProcess node, string point)
    {
        using var response = await http.GetAsync(new Uri(node.Address, "admin/publishing-points/" + point));
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string? State(JsonElement? status) => status?.GetProperty("state").GetString();

    private static async Task<JsonElement> RestreamAsync(HttpClient http, NodeProcess node) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(node.Address, "admin/restream"))).RootElement.Clone();

    /// <summary><c>{name} {kind} {sources of its URLs} | ... || shadowed: ...</c>, sorted, with sources named by their port.</summary>
    private static string Describe(JsonElement restream)
    {
        var sources = restream.GetProperty("sources").EnumerateArray()
            .ToDictionary(s => s.GetProperty("urls")[0].GetString()!, s => s.GetProperty("name").GetString()!);
        var points = restream.GetProperty("points").EnumerateArray().Select(p =>
        {
            var urls = p.GetProperty("urls").EnumerateArray().Select(u => u.GetString()!);
            var from = urls.Select(u => sources.First(s => u.StartsWith(s.Key, StringComparison.Ordinal)).Value);
            return $"{p.GetProperty("name").GetString()} {p.GetProperty("kind").GetString()} {string.Join(',', from)}";
        });
        var shadowed = restream.GetProperty("shadowed").EnumerateArray().Select(s => s.GetString());
        return $"{string.Join(" | ", points.Order(StringComparer.Ordinal))} || shadowed: {string.Join(',', shadowed)}";
    }

    private static async Task PutAsync(HttpClient http, NodeProcess node, string point, object settings)
    {
        using var response = await http.PutAsync(new Uri(node.Address, "admin/publishing-points/" + point), JsonContent.Create(settings));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task PostAsync(HttpClient http, NodeProcess node, string action)
    {
        using var response = await http.PostAsync(new Uri(node.Address, "admin/publishing-points/" + action), null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
