using System.Diagnostics;
using System.Net;

namespace Cluster.LoadBench;

/// <summary>
/// The body of one encoder push: the capture's header, then fragments one by one (each write flushed, as ffmpeg's
/// chunked POST does), then the tail. Hooks run before and after each fragment for pacing and timing.
/// </summary>
public sealed class PushContent(Capture capture, int fragmentCount, Func<int, Task>? before = null, Action<int>? after = null) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(capture.Header);
        await stream.FlushAsync();
        for (var i = 0; i < fragmentCount; i++)
        {
            if (before is not null)
            {
                await before(i);
            }

            await stream.WriteAsync(capture.Fragments[i].Bytes);
            await stream.FlushAsync();
            after?.Invoke(i);
        }

        await stream.WriteAsync(capture.Tail);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>Sends pushes and reads timings, all on one monotonic clock.</summary>
public static class Push
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>Seconds on the shared monotonic clock.</summary>
    public static double Now => Clock.Elapsed.TotalSeconds;

    /// <summary>An HTTP client without connection limits or timeouts of its own (pushes last as long as the stream).</summary>
    public static HttpClient NewClient(Uri address) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    })
    {
        BaseAddress = address,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Whether pushes ask for Connection: close, as ffmpeg does (default true).</summary>
    public static bool ConnectionClose { get; set; } = true;

    /// <summary>POSTs <paramref name="content"/> to <c>{point}.isml/Streams({stream})</c> chunked and without a Content-Type, as ffmpeg does.</summary>
    public static async Task<HttpStatusCode> SendAsync(HttpClient http, string pointPath, string streamId, PushContent content, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{pointPath}.isml/Streams({streamId})") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        // ffmpeg closes after each push (Connection: close); a reused connection would not be what encoders do.
        request.Headers.ConnectionClose = ConnectionClose;
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode;
    }

    /// <summary>Drops a point and its DVR through the admin API, so the next step starts from the same memory.</summary>
    public static async Task ShutdownAsync(HttpClient http, string pointPath)
    {
        using var response = await http.PostAsync($"admin/publishing-points/{pointPath}/shutdown", null);
    }

    /// <summary>The <paramref name="p"/>-th percentile (0-100) by nearest rank; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
