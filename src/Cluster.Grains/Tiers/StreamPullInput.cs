using System.IO.Pipelines;
using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Media;
using Cluster.Media.Smooth;
using Cluster.Runtime;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Feeds a point from one upstream at a time through the upstream's pull endpoint (<c>GET {url}/Streams(all)</c>), as
/// if it were an encoder connection. A connection that breaks after making progress is re-made at once; failures are
/// retried on the same URL <see cref="PullInputSettings.RetryCount"/> times, <see cref="PullInputSettings.RetryDelay"/>
/// apart (Polly), then the next URL is tried, round the list. Each (re)connection resumes after the last fragment held
/// of each track, so the index gets no gap and no duplicate, with the upstream's own times and boundaries. An upstream
/// that sends garbage, repeats or rewinds times, stalls or answers errors is a failure; nothing it sent after the fault
/// enters the index.
/// </summary>
internal sealed partial class StreamPullInput : IPullInput
{
    private readonly string _pointPath;
    private readonly IGrainFactory _grains;
    private readonly TierHttp _http;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly CancellationTokenSource _stop = new();
    private int _current;
    private int _failovers;
    private int _retries;
    private long _added;
    private volatile bool _connected;
    private volatile string? _lastError;
    private int _connections;

    public StreamPullInput(string pointPath, PullInputSettings settings, IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger logger)
    {
        _pointPath = pointPath;
        Settings = settings;
        _grains = grains;
        _http = http;
        _timeProvider = timeProvider;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !_stop.IsCancellationRequested),
                MaxRetryAttempts = Math.Max(settings.RetryCount, 0) == 0 ? 1 : settings.RetryCount,
                BackoffType = DelayBackoffType.Constant,
                Delay = settings.RetryDelay,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    LogRetrying(_pointPath, Settings.Urls[_current], args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        if (settings.RetryCount == 0)
        {
            _retry = ResiliencePipeline.Empty;
        }

        _ = Task.Run(RunAsync);
    }

    public PullInputSettings Settings { get; }

    public PullInputStatus Status =>
        new(Settings.Urls[Volatile.Read(ref _current)], _connected, Volatile.Read(ref _failovers), Volatile.Read(ref _retries), Interlocked.Read(ref _added), _lastError);

    public ValueTask DisposeAsync() => new(_stop.CancelAsync());

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            var url = Settings.Urls[_current];
            try
            {
                var idle = await _retry.ExecuteAsync(token => new ValueTask<bool>(ReadOnceAsync(url, token)), ct);
                if (idle)
                {
                    // Nothing new upstream (its session is over and we hold it): look again later.
                    await Task.Delay(Settings.RetryDelay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : Settings.RetryDelay, _timeProvider, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _lastError = e.Message;
                if (Settings.Urls.Length > 1)
                {
                    var next = (_current + 1) % Settings.Urls.Length;
                    Volatile.Write(ref _current, next);
                    Interlocked.Increment(ref _failovers);
                    LogFailover(_pointPath, url, Settings.Urls[next], e.Message);
                }

                try
                {
                    await Task.Delay(Settings.RetryDelay, _timeProvider, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One connection. Returns true when there is nothing to read yet, false after a connection that made progress; throws on failure.</summary>
    private async Task<bool> ReadOnceAsync(string url, CancellationToken ct)
    {
        var point = _grains.GetGrain<IPublishingPointGrain>(_pointPath);
        var own = await point.GetStatusAsync();
        var held = await HeldAsync(own);
        var query = held.Count == 0 ? "" : "?after=" + string.Join(',', held.Select(h => $"{h.Key}:{h.Value}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(PublishingPointUrl.Stream(url, "all") + query));
        if (own.State == PublishingPointState.Stopped && own.SessionId is { } ownSession)
        {
            request.Headers.TryAddWithoutValidation(TierHeaders.Session, ownSession);
        }

        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            var reason = (await response.Content.ReadAsStringAsync(ct)).Trim();
            throw new UpstreamException($"{url} answered {(int)response.StatusCode}: {reason}");
        }

        var session = Header(response, TierHeaders.Session);
        var eventId = Header(response, TierHeaders.EventId);
        if (own.State is PublishingPointState.Stopped && session is not null && session == own.SessionId)
        {
            return true;
        }

        if (own.State is PublishingPointState.Started or PublishingPointState.Stopping && session is not null && own.SessionId is not null && session != own.SessionId)
        {
            // The upstream restarted while we missed its end (a failover in between): end ours so the new one starts fresh.
            LogUpstreamRestarted(_pointPath, url, own.SessionId, session);
            await point.StopAsync();
            held.Clear();
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(Settings.StallTimeout);
        var body = PipeReader.Create(await response.Content.ReadAsStreamAsync(ct));
        var reader = new SmoothIngestReader(body, IngestLimits.Default);
        var connectionId = $"pull-{Interlocked.Increment(ref _connections)}";
        var progress = false;
        try
        {
            var header = await Stalled(() => reader.ReadHeaderAsync(stall.Token), stall, ct);
            var opening = new IngestOpening(connectionId, "all", eventId, url, header.Tracks) { UpstreamSessionId = session };
            var admission = await point.OpenIngestAsync(opening, createIfMissing: true);
            if (!admission.Accepted)
            {
                if (admission.StatusCode == StatusCodesConflict)
                {
                    return true;
                }

                throw new UpstreamException($"This point refused {url}'s stream: {admission.StatusCode} {admission.Reason}");
            }

            _connected = true;
            LogConnected(_pointPath, url, header.Tracks.Length, held.Count > 0);
            var end = IngestEnd.Lost;
            try
            {
                var tracks = new Dictionary<uint, (ITrackGrain Grain, string Name)>();
                var last = new Dictionary<uint, long>();
                for (var i = 0; i < header.Tracks.Length; i++)
                {
                    var info = header.Tracks[i];
                    var name = $"{info.Name}_{info.Bitrate}";
                    tracks[info.TrackId] = (_grains.GetGrain<ITrackGrain>(admission.TrackKeys[i]), name);
                    last[info.TrackId] = held.GetValueOrDefault(name, long.MinValue);
                }

                while (await Stalled(() => reader.ReadFragmentAsync(stall.Token), stall, ct) is { } item)
                {
                    if (!tracks.TryGetValue(item.TrackId, out var track))
                    {
                        throw new MediaFormatException($"Fragment for track {item.TrackId}, which the upstream's moov does not declare.");
                    }

                    if (item.Fragment.Time <= last[item.TrackId])
                    {
                        throw new UpstreamException($"{url} sent {track.Name} at {item.Fragment.Time}, not after {last[item.TrackId]} (a repeat or a rewind).");
                    }

                    var result = await track.Grain.AddFragmentAsync(admission.SessionEpoch, item.Fragment);
                    if (result == AddFragmentResult.SessionClosed)
                    {
                        return false;
                    }

                    if (result == AddFragmentResult.Added)
                    {
                        Interlocked.Increment(ref _added);
                    }

                    last[item.TrackId] = item.Fragment.Time;
                    progress = true;
                    stall.CancelAfter(Settings.StallTimeout);
                }

                // An mfra: the upstream's session ended, and ours with it. A body cut cleanly without one: a track joined
                // upstream, so reconnect and read the new header.
                end = reader.EndedWithMfra ? IngestEnd.EndOfStream : IngestEnd.Lost;
                LogEnded(_pointPath, url, reader.EndedWithMfra);
                return false;
            }
            finally
            {
                _connected = false;
                await CloseAsync(point, connectionId, end);
            }
        }
        catch (Exception e) when (progress && e is IOException or HttpRequestException)
        {
            // It worked for a while: make the connection again at once, with a fresh retry budget.
            _lastError = e.Message;
            LogBroken(_pointPath, url, e.Message);
            return false;
        }
    }

    private const int StatusCodesConflict = 409;

    /// <summary>The time of the newest fragment held of each track of the current session, by {name}_{bitrate}.</summary>
    private async Task<Dictionary<string, long>> HeldAsync(PublishingPointStatus own)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        if (own.State is not (PublishingPointState.Started or PublishingPointState.Stopping))
        {
            return held;
        }

        foreach (var info in own.Tracks)
        {
            var timeline = await _grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(_pointPath, info.Name, info.Bitrate)).GetTimelineAsync();
            if (timeline.Count > 0)
            {
                held[$"{info.Name}_{info.Bitrate}"] = timeline[timeline.Count - 1].Time;
            }
        }

        return held;
    }

    private static async Task<T> Stalled<T>(Func<ValueTask<T>> read, CancellationTokenSource stall, CancellationToken ct)
    {
        try
        {
            return await read();
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException("The upstream sent nothing for longer than the stall timeout.");
        }
    }

    private async Task CloseAsync(IPublishingPointGrain point, string connectionId, IngestEnd end)
    {
        try
        {
            await point.CloseIngestAsync(connectionId, end);
        }
        catch (Exception e) when (e is GrainCallException or TimeoutException)
        {
            LogCloseFailed(_pointPath, e.Message);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: reading {Url} ({TrackCount} track(s), resuming: {Resuming})")]
    private partial void LogConnected(string point, string url, int trackCount, bool resuming);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} ended its stream (mfra: {Mfra})")]
    private partial void LogEnded(string point, string url, bool mfra);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: connection to {Url} broke ({Reason}); reconnecting")]
    private partial void LogBroken(string point, string url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: retry {Attempt} of {Url} after: {Reason}")]
    private partial void LogRetrying(string point, string url, int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: giving up on {Url}, failing over to {Next}: {Reason}")]
    private partial void LogFailover(string point, string url, string next, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} restarted (session {Old} -> {New}); ending ours")]
    private partial void LogUpstreamRestarted(string point, string url, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: telling the point the connection ended failed: {Reason}")]
    private partial void LogCloseFailed(string point, string reason);
}

/// <summary>An upstream answered or sent something this node will not take.</summary>
internal sealed class UpstreamException(string message) : Exception(message);
