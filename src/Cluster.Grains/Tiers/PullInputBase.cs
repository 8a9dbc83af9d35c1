using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Cluster.Grains.Tiers;

/// <summary>
/// What every pull input shares: one upstream at a time, each failure retried on the same URL
/// <see cref="PullInputSettings.RetryCount"/> times, <see cref="PullInputSettings.RetryDelay"/> apart (Polly), then the
/// next URL, round the list; the statistics; and the reads of the point's own index a reconnection resumes from. A
/// subclass says what one connection to an upstream is (<see cref="ReadOnceAsync"/>) and calls <see cref="Start"/> at
/// the end of its constructor.
/// </summary>
internal abstract partial class PullInputBase : IPullInput
{
    private readonly ResiliencePipeline _retry;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private int _current;
    private int _failovers;
    private int _retries;
    private long _added;
    private volatile bool _connected;
    private volatile string? _lastError;
    private int _connections;

    protected PullInputBase(string pointPath, PullInputSettings settings, IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger logger)
    {
        PointPath = pointPath;
        Settings = settings;
        Grains = grains;
        Http = http;
        TimeProvider = timeProvider;
        _logger = logger;
        _retry = settings.RetryCount <= 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !_stop.IsCancellationRequested),
                    MaxRetryAttempts = settings.RetryCount,
                    BackoffType = DelayBackoffType.Constant,
                    Delay = settings.RetryDelay,
                    OnRetry = args =>
                    {
                        Interlocked.Increment(ref _retries);
                        LogRetrying(PointPath, Settings.Urls[_current], args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
    }

    public PullInputSettings Settings { get; }

    public PullInputStatus Status =>
        new(Settings.Urls[Volatile.Read(ref _current)], _connected, Volatile.Read(ref _failovers), Volatile.Read(ref _retries), Interlocked.Read(ref _added), _lastError);

    protected string PointPath { get; }

    protected IGrainFactory Grains { get; }

    protected TierHttp Http { get; }

    protected TimeProvider TimeProvider { get; }

    /// <summary>Whether a connection to the upstream is open, for <see cref="Status"/>.</summary>
    protected bool Connected
    {
        set => _connected = value;
    }

    /// <summary>The last failure, for <see cref="Status"/>.</summary>
    protected string? LastError
    {
        set => _lastError = value;
    }

    public ValueTask DisposeAsync() => new(_stop.CancelAsync());

    /// <summary>
    /// One connection to <paramref name="url"/>. Returns true when there is nothing to read yet (the loop looks again
    /// after a pause), false after a connection that made progress (the loop reconnects at once); throws on failure.
    /// </summary>
    protected abstract Task<bool> ReadOnceAsync(string url, CancellationToken ct);

    /// <summary>Starts the loop; called once the subclass is fully constructed.</summary>
    protected void Start() => _ = Task.Run(RunAsync);

    /// <summary>Counts a fragment taken into the index.</summary>
    protected void CountAdded() => Interlocked.Increment(ref _added);

    /// <summary>A fresh id for an ingest connection of this input.</summary>
    protected string NextConnectionId() => $"pull-{Interlocked.Increment(ref _connections)}";

    /// <summary>The name a track is held under here: <c>{name}_{bitrate}</c>.</summary>
    protected static string TrackName(TrackInfo info) => $"{info.Name}_{info.Bitrate}";

    /// <summary>The time of the newest fragment held of each track of the current session, by <see cref="TrackName"/>.</summary>
    protected async Task<Dictionary<string, long>> HeldAsync(PublishingPointStatus own)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, timeline) in await TimelinesAsync(own, PublishingPointState.Started, PublishingPointState.Stopping))
        {
            held[name] = timeline[timeline.Count - 1].Time;
        }

        return held;
    }

    /// <summary>The non-empty timelines of the point's tracks, by <see cref="TrackName"/>, when it is in one of <paramref name="states"/>.</summary>
    protected async Task<Dictionary<string, TrackTimeline>> TimelinesAsync(PublishingPointStatus own, params PublishingPointState[] states)
    {
        var timelines = new Dictionary<string, TrackTimeline>(StringComparer.Ordinal);
        if (!states.Contains(own.State))
        {
            return timelines;
        }

        foreach (var info in own.Tracks)
        {
            var timeline = await Grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(PointPath, info.Name, info.Bitrate)).GetTimelineAsync();
            if (timeline.Count > 0)
            {
                timelines[TrackName(info)] = timeline;
            }
        }

        return timelines;
    }

    /// <summary>Tells the point a connection ended; a point that cannot be reached is logged, not thrown.</summary>
    protected async Task CloseAsync(IPublishingPointGrain point, string connectionId, IngestEnd end)
    {
        try
        {
            await point.CloseIngestAsync(connectionId, end);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            LogCloseFailed(PointPath, e.Message);
        }
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        var givenUp = 0;
        while (!ct.IsCancellationRequested)
        {
            var url = Settings.Urls[_current];
            try
            {
                var idle = await _retry.ExecuteAsync(token => new ValueTask<bool>(ReadOnceAsync(url, token)), ct);
                givenUp = 0;
                if (idle)
                {
                    // Nothing new upstream (its session is over and we hold it): look again later.
                    await Task.Delay(Settings.RetryDelay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : Settings.RetryDelay, TimeProvider, ct);
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
                    LogFailover(PointPath, url, Settings.Urls[next], e.Message);
                }

                try
                {
                    await Task.Delay(FailoverDelay(++givenUp), TimeProvider, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// RetryDelay between URLs; once every URL has failed in a row, the wait doubles per round (from at least a second,
    /// up to 30 s), so upstreams that all lack the point are not hammered, nor the failover count inflated.
    /// </summary>
    private TimeSpan FailoverDelay(int givenUpInARow)
    {
        var rounds = (givenUpInARow - 1) / Settings.Urls.Length;
        if (rounds == 0)
        {
            return Settings.RetryDelay;
        }

        var first = Settings.RetryDelay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : Settings.RetryDelay;
        return TimeSpan.FromTicks(Math.Min(MaxFailoverDelay.Ticks, first.Ticks << Math.Min(rounds - 1, 16)));
    }

    private static readonly TimeSpan MaxFailoverDelay = TimeSpan.FromSeconds(30);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: retry {Attempt} of {Url} after: {Reason}")]
    private partial void LogRetrying(string point, string url, int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: giving up on {Url}, failing over to {Next}: {Reason}")]
    private partial void LogFailover(string point, string url, string next, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: telling the point the connection ended failed: {Reason}")]
    private partial void LogCloseFailed(string point, string reason);
}
