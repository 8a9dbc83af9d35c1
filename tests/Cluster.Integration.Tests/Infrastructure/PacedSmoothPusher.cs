using System.Net;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// Replays a <see cref="CapturedSmoothStream"/> the way a live Smooth encoder sends it: one chunked POST without
/// Content-Type; the header boxes, then each moof+mdat pair as its own write, no earlier than the fragment's media
/// end divided by <see cref="SmoothPushPlan.Speed"/> after the clock start; then the mfra. Each pusher has its own
/// HttpClient and so its own connection: aborting it drops that connection without the end of the body, as an encoder
/// crash does, and leaves other pushers alone.
/// </summary>
public sealed class PacedSmoothPusher : IAsyncDisposable
{
    private readonly CapturedSmoothStream _capture;
    private readonly SmoothPushPlan _plan;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _abort = new();
    private int _position;
    private long _endStartedAt;

    private PacedSmoothPusher(Uri url, CapturedSmoothStream capture, SmoothPushPlan plan)
    {
        _capture = capture;
        _plan = plan;
        _position = plan.FirstFragment;
        ClockStart = plan.ClockStart ?? TimeProvider.System.GetTimestamp();
        _http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMinutes(2) };
        Completion = Task.Run(() => RunAsync(url));
    }

    /// <summary>The <see cref="TimeProvider.System"/> timestamp the pacing counts from.</summary>
    public long ClockStart { get; }

    /// <summary>Index of the next fragment of the capture to send (all before it, from the plan's first, are sent).</summary>
    public int Position => Volatile.Read(ref _position);

    /// <summary>The timestamp at which the mfra write began; null until then.</summary>
    public long? EndStartedAt => Interlocked.Read(ref _endStartedAt) is var t and not 0 ? t : null;

    /// <summary>The push's end: the origin's answer, or the abort.</summary>
    public Task<PushOutcome> Completion { get; }

    public static PacedSmoothPusher Start(Uri url, CapturedSmoothStream capture, SmoothPushPlan? plan = null) => new(url, capture, plan ?? new SmoothPushPlan());

    /// <summary>Completes once fragments up to (not including) <paramref name="position"/> are sent.</summary>
    public async Task WaitForPositionAsync(int position, TimeSpan timeout)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (Position < position)
        {
            if (Completion.IsCompleted)
            {
                throw new InvalidOperationException($"The push ended at fragment {Position} ({await Completion}), before fragment {position}.");
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"The push was still at fragment {Position}, not {position}, after {timeout}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Drops the connection now, mid-body, without the mfra.</summary>
    public void Abort() => _abort.Cancel();

    public async ValueTask DisposeAsync()
    {
        Abort();
        await ((Task)Completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _abort.Dispose();
    }

    private async Task<PushOutcome> RunAsync(Uri url)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new PacedContent(this) };
            request.Content.Headers.ContentType = null;
            request.Headers.TransferEncodingChunked = true;
            using var response = await _http.SendAsync(request, _abort.Token);
            return new PushOutcome(response.StatusCode, await response.Content.ReadAsStringAsync(_abort.Token), null);
        }
        catch (Exception e) when (_abort.IsCancellationRequested)
        {
            return new PushOutcome(null, null, e);
        }
        finally
        {
            // Disposing the client closes its connection for good, whatever state the request was in.
            _http.Dispose();
        }
    }

    private async Task WriteBodyAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        var ct = linked.Token;
        await stream.WriteAsync(_capture.Header, ct);
        await stream.FlushAsync(ct);
        for (var i = _plan.FirstFragment; i < _capture.Fragments.Count; i++)
        {
            if (_plan.BeforeFragment is { } before)
            {
                await before(i);
            }

            var fragment = _capture.Fragments[i];
            var wait = fragment.Available / _plan.Speed - TimeProvider.System.GetElapsedTime(ClockStart);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            if (i == _plan.AbortInFragment)
            {
                // The encoder dies inside a fragment: half of its boxes reach the origin, then the connection drops.
                await stream.WriteAsync(fragment.Bytes[..(fragment.Bytes.Length / 2)], ct);
                await stream.FlushAsync(ct);
                await _abort.CancelAsync();
                ct.ThrowIfCancellationRequested();
            }

            await stream.WriteAsync(fragment.Bytes, ct);
            await stream.FlushAsync(ct);
            Volatile.Write(ref _position, i + 1);
        }

        Interlocked.Exchange(ref _endStartedAt, TimeProvider.System.GetTimestamp());
        await stream.WriteAsync(_capture.End, ct);
        await stream.FlushAsync(ct);
    }

    private sealed class PacedContent(PacedSmoothPusher pusher) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => pusher.WriteBodyAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            pusher.WriteBodyAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>How a <see cref="PacedSmoothPusher"/> replays its capture.</summary>
public sealed record SmoothPushPlan
{
    /// <summary>How much faster than real time fragments are released (each no earlier than its media end / Speed).</summary>
    public double Speed { get; init; } = 4;

    /// <summary>The clock to pace against (a <see cref="TimeProvider.System"/> timestamp), e.g. another pusher's, to be in step with it; default: the pusher's start.</summary>
    public long? ClockStart { get; init; }

    /// <summary>The first fragment sent after the header: an encoder joining a running event starts at the live edge.</summary>
    public int FirstFragment { get; init; }

    /// <summary>The fragment in which the pusher dies: half of it is sent, then the connection is dropped without the mfra.</summary>
    public int? AbortInFragment { get; init; }

    /// <summary>Awaited before each fragment (by index) is paced and sent: lets a test hold a pusher at a given point.</summary>
    public Func<int, Task>? BeforeFragment { get; init; }
}

/// <summary>The end of a push: the origin's status and text, or (aborted) the exception the client saw.</summary>
public sealed record PushOutcome(HttpStatusCode? Status, string? Text, Exception? Aborted);
