using System.Net;

namespace Cluster.LoadBench;

/// <summary>
/// Resident memory against DVR bytes: the capture is pushed (as fast as possible) to P points, each keeping it whole in
/// its DVR window, so the origin holds P x the capture's media bytes; the silo's RSS is read once it settles.
/// </summary>
public static class Memory
{
    public static async Task<int> RunAsync(Options options, TextWriter output)
    {
        var capture = await options.CaptureAsync(output);
        var points = options.Int("points", options.Smoke ? 2 : 100);
        var parallel = options.Int("parallel", 4);
        var settle = TimeSpan.FromSeconds(options.Smoke ? 1 : 10);
        await using var silo = await SiloProcess.StartAsync(options.String("silo"), [], output);
        using var http = Push.NewClient(silo.Address);

        // Warm the silo up with one push and drop it, so the baseline includes the code paths' own memory.
        await PushAsync(http, capture, "bench/memory-warmup");
        await Push.ShutdownAsync(http, "bench/memory-warmup");
        await Task.Delay(settle);
        var baseline = silo.RssBytes();

        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, points).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await PushAsync(http, capture, $"bench/memory-{i}");
            }
            finally
            {
                gate.Release();
            }
        }));

        await Task.Delay(settle);
        var rss = silo.RssBytes();
        var dvrBytes = capture.PayloadBytes * points;
        var perPoint = capture.PayloadBytes;
        output.WriteLine($"// memory: {points} points x {capture.Seconds:F0} s of a {capture.Track.Bitrate / 1000} kbit/s track ({capture.Fragments.Count} fragments, {perPoint / 1048576.0:F2} MB of media each), DVR window 30 min (all held)");
        output.WriteLine("| DVR bytes held | silo RSS | RSS / DVR bytes | baseline RSS (empty) | (RSS - baseline) / DVR bytes |");
        output.WriteLine("|---|---|---|---|---|");
        output.WriteLine($"| {dvrBytes / 1048576.0:F0} MB | {rss / 1048576.0:F0} MB | {(double)rss / dvrBytes:F2} | {baseline / 1048576.0:F0} MB | {(double)(rss - baseline) / dvrBytes:F2} |");
        output.WriteLine($"result: memory RSS / DVR bytes {(double)rss / dvrBytes:F2} (target <= 1.2)");
        return 0;
    }

    private static async Task PushAsync(HttpClient http, Capture capture, string point)
    {
        var status = await Push.SendAsync(http, point, "video", new PushContent(capture, capture.Fragments.Count));
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The push to {point} answered {(int)status}.");
        }
    }
}
