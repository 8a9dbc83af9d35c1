using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Cluster.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// The cluster as an operator runs it: <c>deploy/cluster-start.sh</c> starts the store (PostgreSQL or Azurite), three
/// silos and two gateways as separate processes; ffmpeg pushes to one gateway, viewers read from the other, and the silo
/// owning the publishing point is killed with SIGKILL (a crash: no goodbye, peers must detect it).
/// </summary>
public sealed partial class ProcessClusterFailoverTests(ITestOutputHelper output)
{
    private const string PointKey = "live/proc";
    private const string Point = "live/proc.isml/";
    private const long Second = 10_000_000;

    /// <summary>The reconnecting encoder keeps its clock running: its timestamps start here, past anything the first session sent.</summary>
    private const int ResumeOffsetSeconds = 1000;

    /// <summary>How long after the crash gateway B must list the reconnected encoder's fragments.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest crash detection accepted with the default failure detector (3 missed 1 s probes, 1 s table refresh: about
    /// 4 s), with room for a loaded machine; it catches detection taking tens of seconds, not a slow second.
    /// </summary>
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("PostgreSql")]
    [InlineData("AzureStorage")]
    public async Task KillSilo_OwningALivePoint_ReconnectingEncoderIsServedFromAnotherSiloThroughTheOtherGateway(string store)
    {
        await using var cluster = await ScriptedCluster.StartAsync(store);
        output.WriteLine(cluster.StartOutput);
        using var viewer = new HttpClient { BaseAddress = new Uri(cluster.GatewayB, Point), Timeout = TimeSpan.FromSeconds(10) };
        var ingest = new Uri(cluster.GatewayA, Point);
        Ffmpeg? encoder = null;
        try
        {
            // a-c. ffmpeg pushes live through gateway A; gateway B serves Smooth, HLS and DASH for it.
            encoder = Ffmpeg.Start(Push(ingest, offsetSeconds: 0));
            var first = encoder;
            var live = await WaitForManifestAsync(viewer, m => VideoFragments(m).Count >= 3, TimeSpan.FromSeconds(30), () => first.Log + cluster.LogTail("gateway-a"));
            live.IsLive.ShouldBeTrue();
            await AssertSmoothFragmentServedAsync(viewer, live, VideoFragments(live)[^1]);
            await AssertHlsServesAsync(viewer, minTime: 0);
            await AssertDashServesAsync(viewer, minTime: 0);

            // d. The point's admin status names the silo holding it; /admin/silos lists it there with its tracks; its pid file names the process.
            var owner = (await cluster.PointSiloAsync(PointKey)).ShouldNotBeNull("the point's status names no silo");
            var ownerName = owner.Name;
            var ownerPid = cluster.PidOf(ownerName);
            ScriptedCluster.CommandLine(ownerPid).ShouldContain($"--Cluster:Silo:Endpoint={cluster.SiloEndpoint(int.Parse(ownerName["silo-".Length..], CultureInfo.InvariantCulture))}");
            owner.Status.ShouldBe("Active");
            owner.Points.ShouldContain(PointKey);
            owner.Tracks.Count(t => t.StartsWith(PointKey + "/", StringComparison.Ordinal)).ShouldBe(3, "the point's three tracks live on its silo");
            var running = (await cluster.LocalSiloAsync(int.Parse(ownerName["silo-".Length..], CultureInfo.InvariantCulture))).ShouldNotBeNull();
            running.Points.ShouldBe([PointKey], "the owner's own listing of what runs on it");
            running.Tracks.Count(t => t.StartsWith(PointKey + "/", StringComparison.Ordinal)).ShouldBe(3);
            (await cluster.DuplicatesAsync()).ShouldBeEmpty();
            output.WriteLine($"{PointKey} is on {ownerName} ({owner.Address}, pid {ownerPid}); killing it");

            var sinceKill = Stopwatch.StartNew();
            Process.GetProcessById(ownerPid).Kill();
            await WaitUntilAsync(() => Task.FromResult(!ScriptedCluster.IsAlive(ownerPid)), TimeSpan.FromSeconds(5), () => $"pid {ownerPid} survived SIGKILL");

            // Peers detect the crash and the membership table says so (timed from the kill, alongside what follows).
            var detection = MeasureAsync(sinceKill, async () => (await cluster.SilosAsync()).Any(s => s.Address == owner.Address && s.Status == "Dead"), FailoverBound);

            // From the kill on, every answer of gateway B to a player is recorded.
            var statuses = new SortedDictionary<int, int>();
            async Task<SmoothManifest?> PlayerReadsManifestAsync()
            {
                using var response = await viewer.GetAsync("Manifest");
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    response.Headers.RetryAfter.ShouldNotBeNull("a 503 tells the player when to retry");
                }

                return response.IsSuccessStatusCode ? SmoothManifest.Parse(await response.Content.ReadAsStringAsync()) : null;
            }

            // e. The encoder's connection breaks with its silo (or hangs on it): it is stopped, whichever happened.
            var firstEnded = await WaitUntilAsync(
                async () =>
                {
                    await PlayerReadsManifestAsync();
                    return first.HasExited;
                },
                TimeSpan.FromSeconds(10));
            output.WriteLine(firstEnded
                ? $"first encoder exited {sinceKill.Elapsed.TotalSeconds:F1} s after the kill: {first.Log.Trim()}"
                : "first encoder still running 10 s after the kill: stopping it");
            await StopAsync(ref encoder);

            // The encoder reconnects at once to the same URL on gateway A, and again whenever its POST is refused (ffmpeg
            // does not retry by itself; a real encoder does). Its clock has run on, so its fragments cannot be the old ones.
            SmoothManifest? resumed = null;
            var resumedAfter = TimeSpan.Zero;
            var attempts = 0;
            while (resumed is null && sinceKill.Elapsed < FailoverBound)
            {
                if (encoder is not null && encoder.HasExited)
                {
                    output.WriteLine($"reconnecting encoder exited at {sinceKill.Elapsed.TotalSeconds:F1} s: {encoder.Log.Trim()}");
                    await StopAsync(ref encoder);
                }

                if (encoder is null)
                {
                    encoder = Ffmpeg.Start(Push(ingest, ResumeOffsetSeconds));
                    attempts++;
                }

                await Task.Delay(200);
                (await cluster.DuplicatesAsync()).ShouldBeEmpty("a grain had two activations during the failover");
                var manifest = await PlayerReadsManifestAsync();
                if (manifest is { IsLive: true } && VideoFragments(manifest).Count(f => f.Time >= ResumeOffsetSeconds * Second) >= 2)
                {
                    resumed = manifest;
                    resumedAfter = sinceKill.Elapsed;
                }
            }

            var detectedAfter = (await detection).ShouldNotBeNull($"{owner.Address} was not declared Dead within {FailoverBound}\n{cluster.LogTail("silo-" + OtherSilo(ownerName))}");
            detectedAfter.ShouldBeLessThan(DetectionBound, $"{owner.Address} was declared Dead only after {detectedAfter}");
            resumed.ShouldNotBeNull(
                $"gateway B listed no new fragments within {FailoverBound} of the kill ({attempts} encoder attempts)\n{encoder?.Log}\n" +
                $"{cluster.LogTail("gateway-a")}\n{cluster.LogTail("gateway-b")}");

            // While the point moved, gateway B answered what a player can act on: the manifest, not yet (404) or retry (503).
            output.WriteLine($"gateway B manifest answers from the kill to the resumption: {string.Join(", ", statuses.Select(s => $"{s.Key} x{s.Value}"))}");
            statuses.Keys.ShouldBeSubsetOf([200, 404, 503]);

            // The point is active again on a live silo other than the killed one.
            var successor = (await cluster.PointSiloAsync(PointKey)).ShouldNotBeNull("the re-activated point's status names no silo");
            successor.Name.ShouldNotBe(ownerName);
            var successorName = successor.Name;
            ScriptedCluster.IsAlive(cluster.PidOf(successorName)).ShouldBeTrue();
            successor.Status.ShouldBe("Active");
            (await cluster.DuplicatesAsync()).ShouldBeEmpty();
            output.WriteLine(
                $"crash declared Dead after {detectedAfter.TotalSeconds:F1} s; point re-activated on {successorName} ({successor.Address}) and " +
                $"new fragments listed by gateway B {resumedAfter.TotalSeconds:F1} s after the kill ({attempts} encoder attempt(s))");

            // Gateway B serves the new session in every format, and its fragments.
            foreach (var fragment in VideoFragments(resumed).Where(f => f.Time >= ResumeOffsetSeconds * Second))
            {
                await AssertSmoothFragmentServedAsync(viewer, resumed, fragment);
            }

            await AssertHlsServesAsync(viewer, minTime: ResumeOffsetSeconds * Second);
            await AssertDashServesAsync(viewer, minTime: ResumeOffsetSeconds * Second);

            // f. A viewer: hls.js in headless Chromium plays gateway B's HLS of the resumed event.
            await using var player = await PlayerPage.OpenAsync(new Uri(cluster.GatewayB, Point + "manifest(format=m3u8-cmaf)"));
            var playback = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(30));
            playback.Advanced(2).ShouldBeTrue($"{playback}\n{player.ConsoleLog}");
            output.WriteLine($"hls.js after failover: {playback}; {sinceKill.Elapsed.TotalSeconds:F1} s since the kill");
        }
        finally
        {
            await StopAsync(ref encoder);
        }
    }

    /// <summary>
    /// The README's push (two H.264 bitrates and AAC, one POST each) with 1 s fragments; timestamps start at
    /// <paramref name="offsetSeconds"/>, as an encoder reconnecting with its clock still running sends them.
    /// </summary>
    private static string Push(Uri point, int offsetSeconds)
    {
        var offset = offsetSeconds.ToString(CultureInfo.InvariantCulture);
        string Output(string stream) => $"-output_ts_offset {offset} {Ffmpeg.SmoothOutput(new Uri(point, $"Streams({stream})"))}";
        return $"{Ffmpeg.TestPattern(realTime: true, seconds: 120, "640x360")} " +
            "-filter_complex \"[0:v]split=2[hi][lo0];[lo0]scale=320:180[lo]\" " +
            $"-map \"[hi]\" {Ffmpeg.H264(600, gopFrames: 25)} {Output("video-600k")} " +
            $"-map \"[lo]\" {Ffmpeg.H264(300, gopFrames: 25)} {Output("video-300k")} " +
            $"-map 1:a -c:a aac -b:a 64k -frag_duration 1000000 {Output("audio")}";
    }

    /// <summary>Stops ffmpeg (when it still runs) and forgets it.</summary>
    private static ValueTask StopAsync(ref Ffmpeg? encoder)
    {
        var stopping = encoder;
        encoder = null;
        return stopping?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private static List<(long Time, long Duration)> VideoFragments(SmoothManifest manifest) =>
        manifest.Streams.FirstOrDefault(s => s.Type == "video")?.Fragments ?? [];

    private static int OtherSilo(string name) => name == "silo-1" ? 2 : 1;

    /// <summary>Fetches one Smooth fragment of every video quality level and checks it is the one the manifest lists.</summary>
    private static async Task AssertSmoothFragmentServedAsync(HttpClient viewer, SmoothManifest manifest, (long Time, long Duration) fragment)
    {
        var video = manifest.Single("video");
        foreach (var level in video.Levels)
        {
            var url = video.FragmentUrl(level, fragment.Time);
            using var response = await viewer.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            var parsed = Boxes.ParseSmoothFragment(await response.Content.ReadAsByteArrayAsync());
            parsed.TfxdTime.ShouldBe(fragment.Time, url);
            parsed.TfxdDuration.ShouldBe(fragment.Duration, url);
            parsed.SampleCount.ShouldBeGreaterThan(0, url);
        }
    }

    /// <summary>
    /// Reads the live HLS output as hls.js would (multivariant playlist, first variant's media playlist) until it lists a
    /// segment at or after <paramref name="minTime"/>, then fetches the init segment and that media segment.
    /// </summary>
    private static async Task AssertHlsServesAsync(HttpClient viewer, long minTime)
    {
        var master = new Uri(viewer.BaseAddress!, "manifest(format=m3u8-cmaf)");
        var (variants, _) = Playlists.Multivariant(await viewer.GetStringAsync(master));
        variants.ShouldNotBeEmpty();
        var mediaUri = new Uri(master, variants[0].Uri);
        var playlistText = "";
        Playlists.MediaPlaylist? playlist = null;
        string? segment = null;
        await WaitUntilAsync(
            async () =>
            {
                playlistText = await viewer.GetStringAsync(mediaUri);
                playlist = Playlists.Media(playlistText);
                segment = playlist.Segments.Select(s => s.Uri).LastOrDefault(uri => SegmentTime(uri) >= minTime);
                return segment is not null;
            },
            TimeSpan.FromSeconds(10),
            () => $"{mediaUri} listed no segment at or after {minTime}:\n{playlistText}");

        playlist!.Ended.ShouldBeFalse("a live playlist has no EXT-X-ENDLIST");
        foreach (var uri in new[] { playlist.Map.ShouldNotBeNull("CMAF playlists name their header"), segment! })
        {
            using var response = await viewer.GetAsync(new Uri(mediaUri, uri));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, uri);
            (await response.Content.ReadAsByteArrayAsync()).Length.ShouldBeGreaterThan(8, uri);
        }
    }

    /// <summary>Reads the live MPD until its video timeline reaches <paramref name="minTime"/>, then fetches that segment and its init segment.</summary>
    private static async Task AssertDashServesAsync(HttpClient viewer, long minTime)
    {
        var mpdUri = new Uri(viewer.BaseAddress!, "manifest(format=mpd-time-cmaf)");
        var text = "";
        Playlists.DashSet? video = null;
        (long Time, long Duration)? segment = null;
        await WaitUntilAsync(
            async () =>
            {
                text = await viewer.GetStringAsync(mpdUri);
                var (mpd, sets) = Playlists.Mpd(text);
                ((string?)mpd.Attribute("type")).ShouldBe("dynamic");
                video = sets.Single(s => s.ContentType == "video");
                segment = video.Segments.Where(s => s.Time * Second / video.Timescale >= minTime).Select(s => ((long, long)?)s).LastOrDefault();
                return segment is not null;
            },
            TimeSpan.FromSeconds(10),
            () => $"{mpdUri} listed no video segment at or after {minTime}:\n{text}");

        var bandwidth = video!.Bandwidths[0];
        foreach (var template in new[] { video.Initialization, video.Media })
        {
            var uri = template.Replace("$Bandwidth$", bandwidth, StringComparison.Ordinal)
                .Replace("$Time$", segment!.Value.Time.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            using var response = await viewer.GetAsync(new Uri(mpdUri, uri));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, uri);
            (await response.Content.ReadAsByteArrayAsync()).Length.ShouldBeGreaterThan(8, uri);
        }
    }

    /// <summary>The start time in an HLS segment URI (<c>Fragments(video=123,format=m3u8-cmaf)</c>), or -1.</summary>
    private static long SegmentTime(string uri) =>
        FragmentTime().Match(uri) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    private static async Task<SmoothManifest> WaitForManifestAsync(HttpClient viewer, Func<SmoothManifest, bool> ready, TimeSpan timeout, Func<string> diagnostics)
    {
        SmoothManifest? manifest = null;
        await WaitUntilAsync(
            async () =>
            {
                manifest = await SmoothManifest.TryGetAsync(viewer, "Manifest");
                return manifest is not null && ready(manifest);
            },
            timeout,
            () => $"gateway B's manifest was not ready within {timeout}:\n{manifest?.Root}\n{diagnostics()}");
        return manifest!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds and returns <paramref name="clock"/>'s reading then, or null after <paramref name="bound"/> on that clock.</summary>
    private static async Task<TimeSpan?> MeasureAsync(Stopwatch clock, Func<Task<bool>> condition, TimeSpan bound)
    {
        while (clock.Elapsed < bound)
        {
            if (await condition())
            {
                return clock.Elapsed;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; false on timeout, or throws with <paramref name="failure"/> when given.</summary>
    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string>? failure = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                return failure is null ? false : throw new TimeoutException(failure());
            }

            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Fragments\([^=]+=(\d+)")]
    private static partial Regex FragmentTime();
}
