using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Cluster.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// The tier topology as an operator runs it (<c>deploy/tiers-start.sh</c>: ingest, two origins, a distribution, each its
/// own process): ffmpeg pushes to the ingest, which pushes to both origins; the distribution pulls from origin-a with
/// origin-b as its backup and serves a viewer (hls.js in headless Chromium). Origin-a is killed mid-event (SIGKILL); the
/// distribution must fail over to origin-b without a gap and the viewer keep playing; origin-b's archive of the event must
/// be complete and survive a restart of the node. Every expectation comes from the specs and from what the ingest
/// received, never from the distribution's own output.
/// </summary>
public sealed class TierTopologyTests(ITestOutputHelper output)
{
    private const string PointPath = "live/tier";
    private const string Point = PointPath + ".isml/";
    private const long Second = 10_000_000;

    /// <summary>The event's length: long enough for start-up, the player, the crash and the failover to happen inside it.</summary>
    private const int EventSeconds = 40;

    /// <summary>Video frame rate and key-frame interval of the push: one 2 s Smooth fragment per GOP.</summary>
    private const int FrameRate = 25;
    private const int GopFrames = 50;

    /// <summary>Samples per AAC frame.</summary>
    private const int AacFrameSamples = 1024;

    /// <summary>How long the origins get to list the first fragments after ffmpeg starts (start-up of ffmpeg and x264 included).</summary>
    private static readonly TimeSpan FirstFragmentsBound = TimeSpan.FromSeconds(45);

    /// <summary>How long the distribution gets to start pulling once its point is configured.</summary>
    private static readonly TimeSpan PullStartBound = TimeSpan.FromSeconds(30);

    /// <summary>How long hls.js in Chromium gets to start playing (browser start-up on a loaded 2-core machine included).</summary>
    private static readonly TimeSpan PlaybackStartBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest failover accepted after the crash: a refused connection, one retry 0.5 s later, then the backup URL
    /// (about a second), with room for a loaded machine; it catches a failover that waits for the stall timeout many
    /// times over or never happens.
    /// </summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(20);

    /// <summary>How long after the crash the distribution must list two fragments newer than any it had at the crash (they are made every 2 s).</summary>
    private static readonly TimeSpan NewFragmentsBound = TimeSpan.FromSeconds(30);

    /// <summary>How long after the crash the viewer must have played past everything it had buffered at the crash.</summary>
    private static readonly TimeSpan PlaybackContinuesBound = TimeSpan.FromSeconds(60);

    /// <summary>How long after ffmpeg's exit the ingest and the distribution must say Stopped.</summary>
    private static readonly TimeSpan StoppedBound = TimeSpan.FromSeconds(30);

    /// <summary>How long after the event the backup origin's archive must be finalized.</summary>
    private static readonly TimeSpan ArchiveBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PrimaryOriginCrashes_DistributionFailsOverToTheBackupWithoutAGap_ViewerKeepsPlaying_BackupArchiveSurvivesARestart()
    {
        var clock = Stopwatch.StartNew();
        void Log(string line) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}");

        await using var tiers = await ScriptedTiers.StartAsync();
        Log($"tiers started{Environment.NewLine}{tiers.StartOutput}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ingest = new Uri(tiers.Ingest, Point);
        var originA = new Uri(tiers.OriginA, Point);
        var originB = new Uri(tiers.OriginB, Point);
        var distribution = new Uri(tiers.Distribution, Point);
        var originAUrl = new Uri(tiers.OriginA, PointPath + ".isml").ToString();
        var originBUrl = new Uri(tiers.OriginB, PointPath + ".isml").ToString();
        Ffmpeg? encoder = null;
        try
        {
            // 1. ffmpeg pushes the event live to the ingest: H.264 and AAC in one Smooth POST.
            encoder = Ffmpeg.Start(Push(new Uri(ingest, "Streams(0)")));
            var pushing = encoder;

            // 2. Both origins have the stream; then the distribution is told to pull it (origin-a first, origin-b as backup).
            await Eventually.UntilAsync(
                async () => VideoCount(await TryManifestAsync(http, originA)) >= 2 && VideoCount(await TryManifestAsync(http, originB)) >= 2,
                FirstFragmentsBound,
                () => $"the origins did not both list 2 video fragments within {FirstFragmentsBound}\n{pushing.Log}\n{tiers.LogTails()}");
            Log("both origins list 2 video fragments; configuring the distribution's pull input");

            var settings = new
            {
                pullInput = new
                {
                    urls = new[] { originAUrl, originBUrl },
                    retryCount = 1,
                    retryDelay = "00:00:00.500",
                    stallTimeout = "00:00:05",
                },
            };
            using (var put = await http.PutAsync(new Uri(tiers.Distribution, "admin/publishing-points/" + PointPath), JsonContent.Create(settings)))
            {
                var body = await put.Content.ReadAsStringAsync();
                put.StatusCode.ShouldBe(HttpStatusCode.OK, body);
                using var json = JsonDocument.Parse(body);
                string.Join(' ', json.RootElement.GetProperty("settings").GetProperty("pullInput").GetProperty("urls").EnumerateArray().Select(u => u.GetString()))
                    .ShouldBe($"{originAUrl} {originBUrl}", body);
            }

            PointStatus? status = null;
            await Eventually.UntilAsync(
                async () =>
                {
                    status = await StatusAsync(http, tiers.Distribution);
                    return status?.Pull is { ActiveUrl: var url, Connected: true } && url == originAUrl && VideoCount(await TryManifestAsync(http, distribution)) >= 1;
                },
                PullStartBound,
                () => $"the distribution did not list fragments pulled from {originAUrl} within {PullStartBound}\n{status?.Json}\n{tiers.LogTails()}");
            var ingestStatus = (await StatusAsync(http, tiers.Ingest)).ShouldNotBeNull();
            status!.SessionId.ShouldBe(ingestStatus.SessionId, "the distribution's session follows the ingest's session");
            Log($"the distribution pulls from origin-a: {status.Pull}");

            // One wall clock per session: while live, every node holding the same fragments answers the same bytes (the
            // ingest keeps a shorter DVR window, so its manifests list less and say so).
            foreach (var resource in SameBytes.Manifests)
            {
                await SameBytes.AssertAsync(http, resource, originA, originB, distribution);
            }

            Log("origin-a, origin-b and the distribution answer byte-identical live manifests");

            // 3. A viewer plays the distribution's HLS; once it plays, origin-a crashes.
            var player = await PlayerPage.OpenAsync(new Uri(distribution, "manifest(format=m3u8-cmaf)"));
            try
            {
                var started = await player.WaitForPlaybackAsync(seconds: 1, PlaybackStartBound);
                started.Advanced(1).ShouldBeTrue($"hls.js did not start playing the distribution within {PlaybackStartBound}: {started}\n{player.ConsoleLog}");
                Log($"hls.js plays: {started}");

                var liveEdgeAtKill = VideoEnd((await TryManifestAsync(http, distribution)).ShouldNotBeNull());
                var viewerAtKill = await PositionAsync(player);
                var originAPid = tiers.PidOf(ScriptedTiers.OriginANode);
                var sinceKill = Stopwatch.StartNew();
                await tiers.KillAsync(ScriptedTiers.OriginANode);
                Log($"killed origin-a (pid {originAPid}); the distribution listed video up to {liveEdgeAtKill}; viewer at {viewerAtKill.Time:F2} s, buffered to {viewerAtKill.BufferedEnd:F2} s");

                // The distribution fails over to origin-b...
                await Eventually.UntilAsync(
                    async () =>
                    {
                        status = await StatusAsync(http, tiers.Distribution);
                        return status?.Pull is { Failovers: >= 1, ActiveUrl: var url } && url == originBUrl;
                    },
                    FailoverBound,
                    () => $"the distribution did not fail over to {originBUrl} within {FailoverBound} of the crash\n{status?.Json}\n{tiers.LogTail(ScriptedTiers.DistributionNode)}");
                var failedOverAfter = sinceKill.Elapsed;
                Log($"failed over to origin-b {failedOverAfter.TotalSeconds:F1} s after the crash: {status!.Pull}");

                // ...and new fragments keep arriving...
                await Eventually.UntilAsync(
                    async () => (await TryManifestAsync(http, distribution))?.Streams.FirstOrDefault(s => s.Type == "video")?.Fragments.Count(f => f.Time >= liveEdgeAtKill) >= 2,
                    NewFragmentsBound,
                    () => $"the distribution listed no 2 video fragments after {liveEdgeAtKill} within {NewFragmentsBound} of the crash\n{tiers.LogTail(ScriptedTiers.DistributionNode)}\n{tiers.LogTail(ScriptedTiers.OriginBNode)}");
                Log($"2 new video fragments listed {sinceKill.Elapsed.TotalSeconds:F1} s after the crash");

                // ...and the viewer plays on past everything it had buffered when origin-a died (one more fragment at least).
                var pastBuffer = viewerAtKill.BufferedEnd + ((double)GopFrames / FrameRate) - started.Start!.Value;
                var continued = await player.WaitForPlaybackAsync(pastBuffer, PlaybackContinuesBound);
                continued.Advanced(pastBuffer).ShouldBeTrue(
                    $"hls.js did not play past {viewerAtKill.BufferedEnd + ((double)GopFrames / FrameRate):F2} s within {PlaybackContinuesBound} of the crash: {continued}\n{player.ConsoleLog}");
                Log($"hls.js played on past the crash: {continued}; {sinceKill.Elapsed.TotalSeconds:F1} s after the crash");
            }
            finally
            {
                await player.DisposeAsync();
            }

            // 4. The event ends: the ingest and the distribution stop, and the distribution holds exactly what the ingest received.
            var exitCode = await pushing.WaitAsync(TimeSpan.FromSeconds(EventSeconds * 3));
            exitCode.ShouldBe(0, pushing.Log);
            Log($"ffmpeg exited ({pushing.Log.Trim()})");
            var sinceEnd = Stopwatch.StartNew();
            foreach (var node in new[] { ScriptedTiers.IngestNode, ScriptedTiers.DistributionNode })
            {
                PointStatus? last = null;
                await Eventually.UntilAsync(
                    async () => (last = await StatusAsync(http, tiers.Url(node)))?.State == "Stopped",
                    StoppedBound,
                    () => $"{node}'s point was not Stopped within {StoppedBound} of ffmpeg's exit\n{last?.Json}\n{tiers.LogTail(node)}");
            }

            Log($"ingest and distribution Stopped {sinceEnd.Elapsed.TotalSeconds:F1} s after ffmpeg's exit");

            var expected = (await TryManifestAsync(http, ingest)).ShouldNotBeNull("the ingest serves no manifest");
            var served = (await TryManifestAsync(http, distribution)).ShouldNotBeNull("the distribution serves no manifest");
            expected.Streams.Select(s => s.Type).Order().ShouldBe(["audio", "video"]);
            foreach (var track in expected.Streams)
            {
                // What the ingest received: the whole event, each fragment starting where the previous one ended.
                AssertContiguous(track, "ingest");
                AssertClose(Total(track), EventSeconds * Second, FrameDuration(track), $"the ingest's {track.Name} track does not cover the {EventSeconds} s pushed");
            }

            string.Join(' ', served.Streams.Select(s => s.Name).Order()).ShouldBe(string.Join(' ', expected.Streams.Select(s => s.Name).Order()), "the distribution's tracks");
            foreach (var track in expected.Streams)
            {
                var copy = served.Streams.Single(s => s.Name == track.Name);
                string.Join(' ', copy.Levels.Select(Bitrate)).ShouldBe(string.Join(' ', track.Levels.Select(Bitrate)), $"{track.Name} quality levels");
                copy.Fragments.ShouldBe(track.Fragments, $"the distribution's {track.Name} fragments (time, duration) are not the ingest's");
                AssertContiguous(copy, "distribution");
            }

            var compared = 0;
            foreach (var track in expected.Streams)
            {
                foreach (var level in track.Levels)
                {
                    foreach (var (time, duration) in track.Fragments)
                    {
                        var url = track.FragmentUrl(level, time);
                        var original = await FragmentAsync(http, new Uri(ingest, url));
                        var copy = await FragmentAsync(http, new Uri(distribution, url));
                        var parsed = Boxes.ParseSmoothFragment(copy);
                        (parsed.TfxdTime, parsed.TfxdDuration).ShouldBe((time, duration), $"distribution {url}");
                        parsed.DataOffsetPointsAtMdatPayload.ShouldBeTrue($"distribution {url}");
                        MdatPayload(copy).SequenceEqual(MdatPayload(original)).ShouldBeTrue($"distribution {url}: the mdat payload differs from the ingest's");
                        compared++;
                    }
                }
            }

            Log($"the distribution lists the ingest's {string.Join(", ", expected.Streams.Select(s => $"{s.Fragments.Count} {s.Name}"))} fragments; {compared} mdat payloads byte-identical");
            foreach (var resource in SameBytes.Manifests)
            {
                await SameBytes.AssertAsync(http, resource, originB, distribution);
            }

            // 5. Origin-b saw the whole event: its archive holds all of it, in every format, and survives a restart.
            var archiveRoot = Path.Combine(tiers.DataPath(ScriptedTiers.OriginBNode), "archive", PointPath);
            string? session = null;
            await Eventually.UntilAsync(
                () => Task.FromResult((session = FinalizedSession(archiveRoot)) is not null),
                ArchiveBound,
                () => $"origin-b has no finalized archive session under {archiveRoot} within {ArchiveBound} of the event's end\n{tiers.LogTail(ScriptedTiers.OriginBNode)}");
            var sessionFolder = Path.Combine(archiveRoot, session!);
            Log($"origin-b archived the event as {session}: {string.Join(", ", new DirectoryInfo(sessionFolder).GetFiles().Select(f => $"{f.Name} ({f.Length} B)"))}");

            var files = ArchiveFiles(sessionFolder);
            var clientManifest = SmoothManifest.Parse(await File.ReadAllTextAsync(Directory.GetFiles(sessionFolder, "*.ismc").Single()));
            foreach (var track in expected.Streams)
            {
                var archived = clientManifest.Streams.SingleOrDefault(s => s.Name == track.Name).ShouldNotBeNull($"the archive's .ismc has no {track.Name} track");
                AssertClose(Total(archived), Total(track), FrameDuration(track), $"the archive's .ismc {track.Name} duration");

                var file = Path.Combine(sessionFolder, files.GetValueOrDefault(track.Name).ShouldNotBeNull($"the archive's .ism names no file for {track.Name}"));
                var probe = await ProbeAsync(file);
                var stream = probe.Streams.ShouldHaveSingleItem(file);
                stream.CodecName.ShouldBe(track.Type == "video" ? "h264" : "aac", file);
                AssertClose((long)Math.Round(stream.Duration.ShouldNotBeNull(file) * Second), Total(track), FrameDuration(track), $"ffprobe's duration of {file}");
            }

            var archiveUrl = new Uri(tiers.OriginB, $"archive/{PointPath}/{session}.isml/");
            var longest = expected.Streams.Max(Total);
            var tolerance = expected.Streams.Max(FrameDuration);
            foreach (var format in new[] { "m3u8-cmaf", "mpd-time-cmaf" })
            {
                var url = new Uri(archiveUrl, $"manifest(format={format})");
                var probe = await ProbeAsync(url.ToString());
                string.Join(' ', probe.Streams.Select(s => s.CodecName).Order()).ShouldBe("aac h264", url.ToString());
                AssertClose((long)Math.Round(probe.Duration.ShouldNotBeNull(url.ToString()) * Second), longest, tolerance, $"ffprobe's duration of {url}");
            }

            var archiveManifest = new Uri(archiveUrl, "Manifest");
            var before = await http.GetStringAsync(archiveManifest);
            string.Join(' ', SmoothManifest.Parse(before).Streams.Select(s => $"{s.Name}={Total(s)}").Order())
                .ShouldBe(string.Join(' ', expected.Streams.Select(s => $"{s.Name}={Total(s)}").Order()), $"{archiveManifest} does not cover the event");
            Log($"ffprobe reads origin-b's archived HLS and DASH; restarting origin-b (pid {tiers.PidOf(ScriptedTiers.OriginBNode)})");
            var sinceRestart = Stopwatch.StartNew();
            await tiers.RestartAsync(ScriptedTiers.OriginBNode);
            Log($"origin-b answers /healthz again after {sinceRestart.Elapsed.TotalSeconds:F1} s (pid {tiers.PidOf(ScriptedTiers.OriginBNode)})");
            using (var after = await http.GetAsync(archiveManifest))
            {
                var text = await after.Content.ReadAsStringAsync();
                after.StatusCode.ShouldBe(HttpStatusCode.OK, $"{archiveManifest} after the restart: {text}\n{tiers.LogTail(ScriptedTiers.OriginBNode)}");
                text.ShouldBe(before, $"{archiveManifest} changed with the restart");
            }

            // IIS's on-demand form names the archived event as {name}.ism: the same manifest.
            var onDemand = new Uri(tiers.OriginB, $"archive/{PointPath}/{session}.ism/Manifest");
            (await http.GetStringAsync(onDemand)).ShouldBe(before, $"{onDemand} is not the archive's manifest");

            Log("origin-b serves the same archive manifest after its restart");
        }
        finally
        {
            if (encoder is not null)
            {
                await encoder.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The live push: a 640x360 test pattern (H.264, a key frame every 2 s) and a sine (AAC) for <see cref="EventSeconds"/>
    /// in real time, both tracks in one Smooth output, audio cut into 2 s fragments.
    /// </summary>
    private static string Push(Uri streamUrl) =>
        $"{Ffmpeg.TestPattern(realTime: true, EventSeconds, "640x360")} -map 0:v -map 1:a {Ffmpeg.H264(600, GopFrames)} " +
        $"-c:a aac -b:a 64k -frag_duration 2000000 {Ffmpeg.SmoothOutput(streamUrl)}";

    private static int VideoCount(SmoothManifest? manifest) =>
        manifest?.Streams.FirstOrDefault(s => s.Type == "video")?.Fragments.Count ?? 0;

    /// <summary>Where the last listed video fragment ends.</summary>
    private static long VideoEnd(SmoothManifest manifest) =>
        manifest.Single("video").Fragments is [.., var (time, duration)] ? time + duration : 0;

    private static long Total(SmoothManifest.Stream stream) => stream.Fragments.Sum(f => f.Duration);

    private static string Bitrate(XElement level) => (string)level.Attribute("Bitrate")!;

    /// <summary>One frame of the track, in 100 ns units: a video frame at the push's frame rate, or an AAC frame at the track's sampling rate.</summary>
    private static long FrameDuration(SmoothManifest.Stream stream)
    {
        if (stream.Type == "video")
        {
            return Second / FrameRate;
        }

        var samplingRate = long.Parse((string)stream.Levels[0].Attribute("SamplingRate")!, CultureInfo.InvariantCulture);
        return ((AacFrameSamples * Second) + samplingRate - 1) / samplingRate;
    }

    /// <summary>Asserts <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/> (100 ns units).</summary>
    private static void AssertClose(long actual, long expected, long tolerance, string message) =>
        Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(tolerance, $"{message}: {actual} where {expected} (within {tolerance}) was expected");

    /// <summary>No gap and no overlap: each fragment starts where the previous one ended.</summary>
    private static void AssertContiguous(SmoothManifest.Stream stream, string node)
    {
        stream.Fragments.ShouldNotBeEmpty($"{node} lists no {stream.Name} fragment");
        for (var i = 1; i < stream.Fragments.Count; i++)
        {
            var (previous, duration) = stream.Fragments[i - 1];
            stream.Fragments[i].Time.ShouldBe(previous + duration, $"{node}'s {stream.Name} fragment {i} does not start where fragment {i - 1} ({previous}, {duration}) ends");
        }
    }

    private static async Task<SmoothManifest?> TryManifestAsync(HttpClient http, Uri point)
    {
        try
        {
            return await SmoothManifest.TryGetAsync(http, new Uri(point, "Manifest").ToString());
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<byte[]> FragmentAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, url.ToString());
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static byte[] MdatPayload(byte[] fragment)
    {
        var mdat = Boxes.Single(Boxes.Children(fragment, 0, fragment.Length), "mdat");
        return fragment[mdat.PayloadOffset..(mdat.Offset + mdat.Size)];
    }

    /// <summary>The name of the one archive session folder under <paramref name="root"/> whose <c>archive.json</c> says it is finalized, or null.</summary>
    private static string? FinalizedSession(string root)
    {
        if (!Directory.Exists(root))
        {
            return null;
        }

        var sessions = Directory.GetDirectories(root);
        sessions.Length.ShouldBeLessThanOrEqualTo(1, $"one event, one archive session: {string.Join(", ", sessions)}");
        var index = sessions.Select(s => Path.Combine(s, "archive.json")).FirstOrDefault(File.Exists);
        if (index is null)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(index));
            return json.RootElement.TryGetProperty("finalized", out var finalized) && finalized.GetBoolean() ? Path.GetFileName(Path.GetDirectoryName(index)) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // Being written.
            return null;
        }
    }

    /// <summary>The media file of each track, by track name, from the archive's server manifest (.ism, SMIL).</summary>
    private static Dictionary<string, string> ArchiveFiles(string folder)
    {
        var smil = XDocument.Load(Directory.GetFiles(folder, "*.ism").Single());
        return smil.Descendants()
            .Where(e => e.Name.LocalName is "video" or "audio")
            .ToDictionary(
                e => (string?)e.Elements().SingleOrDefault(p => p.Name.LocalName == "param" && (string?)p.Attribute("name") == "trackName")?.Attribute("value") ?? e.Name.LocalName,
                e => (string)e.Attribute("src")!);
    }

    private sealed record PullStatus(string ActiveUrl, bool Connected, int Failovers, int Retries, long FragmentsAdded, string? LastError);

    private sealed record PointStatus(string State, string? SessionId, PullStatus? Pull, string Json);

    /// <summary>The point's status from node <paramref name="node"/>'s admin API, or null when it has no such point (yet).</summary>
    private static async Task<PointStatus?> StatusAsync(HttpClient http, Uri node)
    {
        using var response = await http.GetAsync(new Uri(node, "admin/publishing-points/" + PointPath));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        PullStatus? pull = null;
        if (root.TryGetProperty("pullInput", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            pull = new PullStatus(
                p.GetProperty("activeUrl").GetString()!,
                p.GetProperty("connected").GetBoolean(),
                p.GetProperty("failovers").GetInt32(),
                p.GetProperty("retries").GetInt32(),
                p.GetProperty("fragmentsAdded").GetInt64(),
                p.GetProperty("lastError").GetString());
        }

        return new PointStatus(root.GetProperty("state").GetString()!, root.GetProperty("sessionId").GetString(), pull, body);
    }

    private sealed record ViewerPosition(double Time, double BufferedEnd);

    /// <summary>The video element's current time and the end of what it has buffered.</summary>
    private static async Task<ViewerPosition> PositionAsync(PlayerPage player)
    {
        var values = await player.Page.EvaluateAsync<double[]>(
            "() => { const v = document.getElementById('video'); return [v.currentTime, v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0]; }");
        return new ViewerPosition(values[0], values[1]);
    }

    private sealed record ProbedStream(string CodecType, string CodecName, double? Duration);

    private sealed record Probe(List<ProbedStream> Streams, double? Duration);

    /// <summary>What ffprobe makes of a file or URL: its streams and durations.</summary>
    private static async Task<Probe> ProbeAsync(string target)
    {
        var info = new ProcessStartInfo("ffprobe")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-v", "error", "-show_entries", "stream=codec_type,codec_name,duration:format=duration", "-of", "json", target })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffprobe did not start.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.ShouldBe(0, $"ffprobe {target}: {await standardError}");

        using var json = JsonDocument.Parse(await standardOutput);
        static double? Seconds(JsonElement element) =>
            element.TryGetProperty("duration", out var d) && d.GetString() is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;
        return new Probe(
            [.. json.RootElement.GetProperty("streams").EnumerateArray().Select(s => new ProbedStream(
                s.GetProperty("codec_type").GetString()!, s.GetProperty("codec_name").GetString()!, Seconds(s)))],
            json.RootElement.TryGetProperty("format", out var format) ? Seconds(format) : null);
    }
}
