using System.Diagnostics;
using System.Net;

namespace Cluster.LoadBench;

/// <summary>
/// Ingest-to-playback latency on one node, or through a cluster's gateways: a poller waits on the next fragment's URL (the gateway holds the GET with
/// FragmentWaitTimeout), the pusher writes that fragment, and the time from its last byte written to the poller
/// having the response (headers, then the whole body) is one sample. Rounds on fresh points give as many samples as asked.
/// </summary>
public static class Latency
{
    /// <summary>How long the poller's request gets to reach the gateway and start waiting before the fragment is sent.</summary>
    private static readonly TimeSpan PollHeadStart = TimeSpan.FromMilliseconds(30);

    public static async Task<int> RunAsync(Options options, TextWriter output)
    {
        var capture = await options.CaptureAsync(output);
        var samples = options.Int("samples", options.Smoke ? 5 : 300);
        // With --ingest and --play (two gateways of a running cluster, started with FragmentWaitTimeout set) the path is
        // encoder -> ingest gateway -> owning silo -> playback gateway; otherwise one silo started here does everything.
        var ingest = options.String("ingest");
        var play = options.String("play");
        await using var silo = ingest is null || play is null
            ? await SiloProcess.StartAsync(options.String("silo"), ["--Cluster:Gateway:FragmentWaitTimeout=00:00:05"], output)
            : null;
        var path = silo is null ? $"cluster (push to {ingest}, play from {play})" : "single node (ingest and playback on the same silo, one tier)";
        using var pushHttp = Push.NewClient(silo?.Address ?? new Uri(ingest!));
        using var pollHttp = Push.NewClient(silo?.Address ?? new Uri(play!));
        var toHeaders = new List<double>();
        var toBody = new List<double>();
        for (var round = 0; toBody.Count < samples; round++)
        {
            var point = $"bench/latency-{round}";
            var written = new double[capture.Fragments.Count];
            Task<(double Headers, double Body)>? poll = null;
            var polled = new List<(int Index, Task<(double Headers, double Body)> Task)>();
            var content = new PushContent(
                capture,
                capture.Fragments.Count,
                before: async index =>
                {
                    if (poll is not null)
                    {
                        await poll;
                    }

                    if (index == 0 || toBody.Count + polled.Count >= samples)
                    {
                        // The gateway waits only for fragments after one it already holds: the first is not timed.
                        poll = null;
                        return;
                    }

                    if (index == 1)
                    {
                        await WaitUntilServedAsync(pollHttp, capture.FragmentUrl(point, capture.Fragments[0]));
                    }

                    poll = PollAsync(pollHttp, capture.FragmentUrl(point, capture.Fragments[index]));
                    polled.Add((index, poll));
                    await Task.Delay(PollHeadStart);
                },
                after: index => written[index] = Push.Now);
            var status = await Push.SendAsync(pushHttp, point, "video", content);
            if (status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"The push to {point} answered {(int)status}.");
            }

            foreach (var (index, task) in polled)
            {
                var (headers, body) = await task;
                toHeaders.Add((headers - written[index]) * 1000);
                toBody.Add((body - written[index]) * 1000);
            }
        }

        toHeaders.Sort();
        toBody.Sort();
        output.WriteLine($"// latency: {path}, {toBody.Count} fragments of a {capture.Track.Bitrate / 1000} kbit/s track (~{capture.PayloadBytes / capture.Fragments.Count / 1024} KB each), GET held by FragmentWaitTimeout");
        output.WriteLine("| measured until | p50 | p90 | p99 | max |");
        output.WriteLine("|---|---|---|---|---|");
        output.WriteLine(Row("response headers", toHeaders));
        output.WriteLine(Row("whole fragment received", toBody));
        output.WriteLine($"result: latency p50 {Push.Percentile(toBody, 50):F2} ms, p99 {Push.Percentile(toBody, 99):F2} ms ({(silo is null ? "cluster" : "single node")}; target per tier p99 <= 10 ms)");
        return 0;
    }

    private static string Row(string name, List<double> sorted) =>
        $"| {name} | {Push.Percentile(sorted, 50):F2} ms | {Push.Percentile(sorted, 90):F2} ms | {Push.Percentile(sorted, 99):F2} ms | {sorted[^1]:F2} ms |";

    private static async Task<(double Headers, double Body)> PollAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        var headers = Push.Now;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}.");
        }

        await response.Content.LoadIntoBufferAsync();
        return (headers, Push.Now);
    }

    private static async Task<bool> AdmittedAsync(HttpClient http, string point)
    {
        using var response = await http.GetAsync($"admin/publishing-points/{point}");
        return response.IsSuccessStatusCode
            && (await response.Content.ReadAsStringAsync()).Contains("\"activeConnections\":1", StringComparison.Ordinal);
    }

    private static async Task WaitUntilServedAsync(HttpClient http, string url)
    {
        var watch = Stopwatch.StartNew();
        var point = url[..url.IndexOf(".isml", StringComparison.Ordinal)];

        // A GET for a track that is not bound yet deactivates the track grain; racing the encoder's OpenIngest that way
        // has lost the session's first fragments (SessionClosed), so the first GET waits for the connection to be admitted.
        while (!await AdmittedAsync(http, point))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"{point} did not admit the push within 10 s.");
            }

            await Task.Delay(5);
        }

        while (true)
        {
            using var response = await http.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                var status = await http.GetStringAsync($"admin/publishing-points/{point}");
                throw new TimeoutException($"{url} was not served within 10 s: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}; point status: {status}");
            }

            await Task.Delay(5);
        }
    }
}
