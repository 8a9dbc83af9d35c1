using System.Collections.Concurrent;
using System.Net;

namespace Cluster.LoadBench;

/// <summary>
/// How many captured 1 Mbit/s Smooth streams one silo ingests in real time: N encoders, each pushing the capture to its
/// own publishing point, each fragment sent when its tfxd time says it is complete. Lag is measured on the sender:
/// the moment a fragment's last byte is written minus the moment it was due. N steps up until p99 lag exceeds the limit.
/// </summary>
public static class IngestCapacity
{
    public static async Task<int> RunAsync(Options options, TextWriter output)
    {
        var capture = await options.CaptureAsync(output);
        var steps = options.Ints("steps", options.Smoke ? [2, 4] : [50, 100, 200, 400, 500, 600, 800, 1000]);
        var stepSeconds = options.Int("step-seconds", options.Smoke ? 4 : 20);
        var maxLagMs = options.Int("max-lag-ms", 500);
        var fragmentCount = capture.Fragments.TakeWhile(f => Due(capture, f) <= stepSeconds).Count();
        if (fragmentCount < 1)
        {
            throw new InvalidOperationException($"The capture ({capture.Seconds:F0} s) holds no fragment within {stepSeconds} s.");
        }

        await using var silo = await SiloProcess.StartAsync(
            options.String("silo"),
            ["--Cluster:Gateway:MaxConcurrentIngestConnections=100000"],
            output);
        using var http = Push.NewClient(silo.Address);
        output.WriteLine($"// ingest capacity: {capture.Track.Bitrate / 1000} kbit/s track, {fragmentCount} fragments ({stepSeconds} s) per stream per step, real time = p99 lag <= {maxLagMs} ms and no failed push; silo pid {silo.Pid}");
        output.WriteLine("| streams | fragments | lag p50 | lag p99 | lag max | failed pushes | silo CPU (cores) | CPU per stream | RSS | RSS per stream | real time |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var best = 0;
        foreach (var n in steps)
        {
            var baselineRss = silo.RssBytes();
            var lags = new ConcurrentBag<double>();
            var failures = 0;
            var random = new Random(n);
            var cpuStart = silo.CpuTime();
            var start = Push.Now + 0.5;
            var pushes = new List<Task>();
            for (var i = 0; i < n; i++)
            {
                // Real encoders are not in step: each stream starts somewhere within one fragment duration.
                var offset = start + (random.NextDouble() * 2.0);
                var point = $"bench/ingest-{n}-{i}";
                pushes.Add(Task.Run(async () =>
                {
                    var content = new PushContent(
                        capture,
                        fragmentCount,
                        before: async index =>
                        {
                            var wait = offset + Due(capture, capture.Fragments[index]) - Push.Now;
                            if (wait > 0)
                            {
                                await Task.Delay(TimeSpan.FromSeconds(wait));
                            }
                        },
                        after: index => lags.Add((Push.Now - offset - Due(capture, capture.Fragments[index])) * 1000));
                    try
                    {
                        if (await Push.SendAsync(http, point, "video", content) != HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref failures);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }));
            }

            await Task.WhenAll(pushes);
            var elapsed = Push.Now - start;
            var cpu = (silo.CpuTime() - cpuStart).TotalSeconds / elapsed;
            var rss = silo.RssBytes();
            var sorted = lags.Order().ToList();
            var p99 = Push.Percentile(sorted, 99);
            var realTime = failures == 0 && sorted.Count == n * fragmentCount && p99 <= maxLagMs;
            output.WriteLine(
                $"| {n} | {sorted.Count} | {Push.Percentile(sorted, 50):F1} ms | {p99:F1} ms | {(sorted.Count > 0 ? sorted[^1] : double.NaN):F1} ms | {failures} | {cpu:F2} | {cpu / n * 100:F2} % of a core | {rss / 1048576.0:F0} MB | {(rss - baselineRss) / 1048576.0 / n:F2} MB | {(realTime ? "yes" : "no")} |");

            await Task.WhenAll(Enumerable.Range(0, n).Select(i => Push.ShutdownAsync(http, $"bench/ingest-{n}-{i}")));
            if (!realTime)
            {
                break;
            }

            best = n;
        }

        output.WriteLine($"result: ingest capacity {best} concurrent {capture.Track.Bitrate / 1000} kbit/s streams in real time (largest step passed; target >= 500)");
        return 0;
    }

    /// <summary>Seconds after the stream's start when a fragment is complete, hence due at the origin.</summary>
    private static double Due(Capture capture, CapturedFragment fragment) =>
        (double)(fragment.Time + fragment.Duration - capture.Fragments[0].Time) / capture.Track.Timescale;
}
