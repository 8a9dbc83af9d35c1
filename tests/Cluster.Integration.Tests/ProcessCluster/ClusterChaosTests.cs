using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Cluster.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// Rounds of failures on the operator's cluster (<c>deploy/cluster-start.sh</c>: 3 silos, 2 gateways, PostgreSQL) while
/// ffmpeg pushes through gateway A and a viewer polls gateway B: the owning silo SIGKILLed, a non-owner stopped
/// gracefully, the owner stopped gracefully, a non-owner SIGKILLed, each silo joining back afterwards. Throughout, every
/// live silo is asked what runs on it, and no publishing point or track may ever run on two silos at once.
/// </summary>
public sealed class ClusterChaosTests(ITestOutputHelper output)
{
    private const string PointKey = "live/chaos";
    private const string Point = "live/chaos.isml/";
    private const long Second = 10_000_000;

    /// <summary>How long the event may take to be served again after its silo went away (detection is about 4 s).</summary>
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(40);

    private enum Disruption
    {
        Kill,
        GracefulStop,
    }

    [Fact]
    public async Task Rounds_KillStopAndJoinUnderIngestAndPlayback_NoGrainEverRunsTwiceAndTheEventGoesOn()
    {
        await using var cluster = await ScriptedCluster.StartAsync();
        using var viewer = new HttpClient { BaseAddress = new Uri(cluster.GatewayB, Point), Timeout = TimeSpan.FromSeconds(10) };
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var encoder = new ReconnectingEncoder(new Uri(cluster.GatewayA, Point), clock);
        var duplicates = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var encoding = encoder.RunAsync(stop.Token);
        var watching = WatchAsync(cluster, viewer, clock, duplicates, statuses, stop.Token);
        try
        {
            await WaitForFragmentsSinceAsync(viewer, 0, () => encoder.Log);
            var rounds = new (Disruption Kind, bool Owner)[] { (Disruption.Kill, true), (Disruption.GracefulStop, false), (Disruption.GracefulStop, true), (Disruption.Kill, false) };
            foreach (var (kind, ofOwner) in rounds)
            {
                await RunRoundAsync(cluster, viewer, clock, kind, ofOwner, () => encoder.Log);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await encoding;
            await watching;
        }

        output.WriteLine($"encoder connections: {encoder.Starts}; gateway B manifest answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}");
        duplicates.ShouldBeEmpty("a grain ran on two silos at once");
        statuses.Keys.ShouldBeSubsetOf([200, 404, 503], "a player gets the manifest, not yet (404) or retry later (503)");
    }

    /// <summary>
    /// One failure: takes the owner (or another silo) out, waits until gateway B serves fragments the encoder sent after
    /// it, checks where the point is now, and joins the silo back into the cluster.
    /// </summary>
    private async Task RunRoundAsync(ScriptedCluster cluster, HttpClient viewer, Stopwatch clock, Disruption kind, bool ofOwner, Func<string> encoderLog)
    {
        var owner = (await cluster.PointSiloAsync(PointKey)).ShouldNotBeNull("the point's status names no silo");
        var ownerNumber = Number(owner.Name);
        var target = ofOwner ? ownerNumber : (ownerNumber % ScriptedCluster.SiloCount) + 1;
        var at = clock.Elapsed;
        output.WriteLine($"{at.TotalSeconds:F1} s: {kind} of silo-{target} ({(ofOwner ? "the owner" : $"the owner is silo-{ownerNumber}")})");
        if (kind == Disruption.Kill)
        {
            var pid = cluster.PidOf($"silo-{target}");
            Process.GetProcessById(pid).Kill();
        }
        else
        {
            await cluster.StopSiloAsync(target);
        }

        await WaitForFragmentsSinceAsync(viewer, (long)(at.TotalSeconds * Second), encoderLog);
        var now = (await cluster.PointSiloAsync(PointKey)).ShouldNotBeNull("the point's status names no silo after the round");
        if (ofOwner)
        {
            now.Name.ShouldNotBe(owner.Name, "the point re-activated on a silo that is still running");
        }
        else
        {
            now.Name.ShouldBe(owner.Name, "a point never moves while its silo lives");
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: served again from {now.Name}; silo-{target} joins back");
        await cluster.JoinAsync(target);
    }

    /// <summary>Every 250 ms until stopped: asks every silo what runs on it, and reads gateway B's manifest as a player would.</summary>
    private static async Task WatchAsync(
        ScriptedCluster cluster, HttpClient viewer, Stopwatch clock, ConcurrentQueue<string> duplicates, ConcurrentDictionary<int, int> statuses, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var key in await cluster.DuplicatesAsync())
            {
                duplicates.Enqueue($"{key} at {clock.Elapsed.TotalSeconds:F1} s");
            }

            try
            {
                using var response = await viewer.GetAsync("Manifest", CancellationToken.None);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                statuses.AddOrUpdate(0, 1, (_, n) => n + 1);
            }

            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits until gateway B's live manifest lists two video fragments at or after <paramref name="since"/> (100 ns units of the encoder's clock).</summary>
    private static async Task WaitForFragmentsSinceAsync(HttpClient viewer, long since, Func<string> encoderLog)
    {
        var deadline = Stopwatch.StartNew();
        SmoothManifest? manifest = null;
        while (deadline.Elapsed < ResumeBound)
        {
            manifest = await SmoothManifest.TryGetAsync(viewer, "Manifest");
            var video = manifest?.Streams.FirstOrDefault(s => s.Type == "video")?.Fragments ?? [];
            if (manifest is { IsLive: true } && video.Count(f => f.Time >= since) >= 2)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"gateway B listed no two video fragments from {since / Second} s within {ResumeBound}:\n{manifest?.Root}\n{encoderLog()}");
    }

    private static int Number(string siloName) => int.Parse(siloName["silo-".Length..], CultureInfo.InvariantCulture);

    /// <summary>
    /// ffmpeg pushing one H.264 bitrate and AAC, started again whenever it exits, as a real encoder reconnects. Its clock
    /// keeps running: each connection's timestamps start at the seconds elapsed since the first one.
    /// </summary>
    private sealed class ReconnectingEncoder(Uri point, Stopwatch clock)
    {
        private string _log = "";

        public int Starts { get; private set; }

        public string Log => _log;

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var offset = ((int)Math.Ceiling(clock.Elapsed.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await using var ffmpeg = Ffmpeg.Start(
                    $"{Ffmpeg.TestPattern(realTime: true, seconds: 600)} -map 0:v {Ffmpeg.H264(300, gopFrames: 25)} " +
                    $"-output_ts_offset {offset} {Ffmpeg.SmoothOutput(new Uri(point, "Streams(video)"))} " +
                    $"-map 1:a -c:a aac -b:a 64k -frag_duration 1000000 -output_ts_offset {offset} {Ffmpeg.SmoothOutput(new Uri(point, "Streams(audio)"))}");
                Starts++;
                while (!ffmpeg.HasExited && !stop.IsCancellationRequested)
                {
                    await Task.Delay(100, CancellationToken.None);
                }

                _log = $"connection {Starts} (offset {offset} s): {ffmpeg.Log.Trim()}";
            }
        }
    }
}
