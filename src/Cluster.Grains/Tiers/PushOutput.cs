using System.IO.Pipelines;
using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Pushes every track of one session to one downstream publishing point in the Smooth push format, one long-running
/// chunked POST per track (as Expression Encoder and ffmpeg with one output per track do), so the downstream may be
/// this product or any Smooth ingest server. A broken or refused connection is retried with exponential backoff (Polly);
/// the new POST repeats the identical header boxes and resends the last fragments, which the downstream keeps once.
/// </summary>
internal sealed partial class PushOutput : IAsyncDisposable
{
    private readonly string _url;
    private readonly string _pointPath;
    private readonly PushSession _session;
    private readonly IGrainFactory _grains;
    private readonly TierHttp _http;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly CancellationTokenSource _stop = new();
    private int _connected;
    private long _sent;
    private long _resent;
    private long _dropped;
    private int _reconnects;
    private volatile string? _lastError;

    private readonly TimeProvider _timeProvider;

    public PushOutput(string url, string pointPath, PushSession session, IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger logger)
    {
        _timeProvider = timeProvider;
        _url = url;
        _pointPath = pointPath;
        _session = session;
        _grains = grains;
        _http = http;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !_stop.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = http.Options.PushMaxRetryDelay,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _reconnects);
                    LogRetrying(_pointPath, _url, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Its statistics.</summary>
    public PushOutputStatus Status =>
        new(_url, Volatile.Read(ref _connected), Interlocked.Read(ref _sent), Interlocked.Read(ref _resent), Interlocked.Read(ref _dropped), Volatile.Read(ref _reconnects), _lastError);

    /// <summary>Starts the POST of a track of the session.</summary>
    public void OnTrackAdded(string trackKey, TrackInfo info)
    {
        _ = Task.Run(() => RunTrackAsync(trackKey, info));
    }

    /// <summary>
    /// Cancels the POSTs without waiting for them: it runs in the grain's turn, and a track read in flight may wait
    /// seconds for the next fragment.
    /// </summary>
    public ValueTask DisposeAsync() => new(_stop.CancelAsync());

    private async Task RunTrackAsync(string trackKey, TrackInfo info)
    {
        var stream = $"{info.Name}_{info.Bitrate}";
        var target = PublishingPointUrl.Stream(_url, stream, _session.EventId);
        var sent = new SentLog(_http.Options.PushBacklog);
        var highest = long.MinValue;
        DateTimeOffset? endedSeen = null;
        try
        {
            var end = await _retry.ExecuteAsync(
                async ct =>
                {
                    // A downstream that stays down does not get retried for ever: not once the session is over, and
                    // for a bounded time once its stream has ended (the event is over; its archive is elsewhere).
                    var track = _grains.GetGrain<ITrackGrain>(trackKey);
                    var state = await track.ReadFragmentsAfterAsync(long.MaxValue, 1, TimeSpan.Zero);
                    if (state.Anchor is null && state.Bound)
                    {
                        // The session's clock is decided with its first fragment: wait for that, so the downstream
                        // gets it with the push instead of deciding one of its own.
                        await track.ReadFragmentsAfterAsync(long.MinValue, 1, LongPoll.MaxWait, ct);
                        state = await track.ReadFragmentsAfterAsync(long.MaxValue, 1, TimeSpan.Zero);
                    }

                    if (!state.Bound || state.SessionEpoch != _session.Epoch)
                    {
                        return PumpEnd.SessionOver;
                    }

                    endedSeen = state.Ended ? endedSeen ?? _timeProvider.GetUtcNow() : null;
                    if (endedSeen is { } since && _timeProvider.GetUtcNow() - since > _http.Options.PushRetryAfterEnd)
                    {
                        LogGaveUp(_pointPath, _url, stream, _http.Options.PushRetryAfterEnd);
                        return PumpEnd.Ended;
                    }

                    // Fragments written shortly before a break may still have been in the socket's buffers: the new
                    // connection sends them again (the downstream keeps one copy of each time anyway).
                    var after = sent.ResumeAfter(_timeProvider.GetUtcNow() - _http.Options.PushResendWindow, _http.Options.PushResendCount);
                    var pump = new TrackStreamPump(_grains, [new PumpTrack(trackKey, info, after)], _session.Epoch)
                    {
                        MaxBacklog = _http.Options.PushBacklog,
                        OnWritten = (_, fragment) =>
                        {
                            Interlocked.Increment(ref _sent);
                            if (fragment.Time <= highest)
                            {
                                Interlocked.Increment(ref _resent);
                            }

                            highest = Math.Max(highest, fragment.Time);
                            sent.Add(fragment.Time, _timeProvider.GetUtcNow());
                        },
                    };
                    try
                    {
                        return await PostAsync(target, pump, state.Anchor, ct);
                    }
                    finally
                    {
                        if (pump.Dropped > 0)
                        {
                            Interlocked.Add(ref _dropped, pump.Dropped);
                            LogDropped(_pointPath, _url, stream, pump.Dropped);
                        }
                    }
                },
                _stop.Token);
            LogTrackDone(_pointPath, _url, stream, end);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the point deactivated.
        }
    }

    private async Task<PumpEnd> PostAsync(Uri target, TrackStreamPump pump, DateTimeOffset? anchor, CancellationToken cancellationToken)
    {
        var content = new PumpContent(pump, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation(TierHeaders.Session, _session.SessionId);
        if (anchor is { } clock)
        {
            request.Headers.TryAddWithoutValidation(TierHeaders.Anchor, SessionAnchor.Format(clock));
        }

        Interlocked.Increment(ref _connected);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var reason = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new HttpRequestException($"{target} answered {(int)response.StatusCode}: {reason.Trim()}", null, response.StatusCode);
            }

            // The downstream answers once it has read the whole body: a body that ended without the pump finishing
            // (it was cut) is a failure to retry.
            return content.End ?? throw new IOException($"{target} answered before the stream ended.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            _lastError = e.Message;
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _connected);
        }
    }

    /// <summary>The request body: the pump writing straight into the connection.</summary>
    private sealed class PumpContent(TrackStreamPump pump, CancellationToken cancellationToken) : HttpContent
    {
        public PumpEnd? End { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ct);
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            End = await pump.RunAsync(writer, linked.Token);
            await writer.CompleteAsync();
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push output of {Point} to {Url}: connection {Attempt} in {DelayMs} ms after: {Reason}")]
    private partial void LogRetrying(string point, string url, int attempt, long delayMs, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push output of {Point} to {Url}: stream {Stream} fell behind; dropped {Count} fragment(s) to catch up")]
    private partial void LogDropped(string point, string url, string stream, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push output of {Point} to {Url}: stream {Stream} ended and the downstream stayed unreachable for {Limit}; giving up")]
    private partial void LogGaveUp(string point, string url, string stream, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Push output of {Point} to {Url}: stream {Stream} done ({End})")]
    private partial void LogTrackDone(string point, string url, string stream, PumpEnd end);
}
