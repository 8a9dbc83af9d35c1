using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Activations;
using Cluster.Media.Cmaf;
using Cluster.Media.Model;
using Cluster.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tracks;

/// <summary>
/// Holds one track's fragments for the DVR window. Writes arrive one at a time (turns); reads take the published
/// immutable <see cref="TrackTimeline"/> and so may interleave freely. A bound track holds the only copy of its DVR,
/// so it delays its deactivation until cleared; an unbound one (a URL naming no track) is left to idle collection.
/// Nothing here deactivates on request: a request racing a bind would lose the binding. A track lives on its publishing
/// point's silo, so building a manifest reads the tracks' timelines in process.
/// </summary>
[PointPlacement]
internal sealed partial class TrackGrain(TimeProvider timeProvider, RunningActivations running, NodeUsage usage, ILogger<TrackGrain> logger) : Grain, ITrackGrain
{
    private readonly FragmentIndex _index = new();
    private TrackBinding? _binding;
    private long _epoch;
    private long _version;
    private bool _ended;
    private DateTimeOffset _lastModified;
    private DateTimeOffset? _anchor;
    private volatile CmafHeader? _cmafHeader;
    private volatile TrackTimeline _timeline = TrackTimeline.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The bytes of <see cref="_index"/> last added to the node's <see cref="NodeUsage"/>.</summary>
    private long _countedBytes;

    private string PrimaryKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        running.Started(this.GetGrainId());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        running.Stopped(this.GetGrainId());
        usage.AddDvrBytes(-_countedBytes);
        _countedBytes = 0;
        return Task.CompletedTask;
    }

    public Task BindAsync(TrackBinding binding)
    {
        if (binding.SessionEpoch < _epoch)
        {
            return Task.CompletedTask;
        }

        if (binding.SessionEpoch > _epoch)
        {
            _index.Clear();
            _epoch = binding.SessionEpoch;
            _binding = binding;
            _anchor = binding.Anchor;
        }
        else
        {
            // A second encoder of the same session (redundant or reconnecting) keeps the first one's codec setup.
            _binding = (_binding ?? binding) with { DvrWindowLength = binding.DvrWindowLength, LookaheadCount = binding.LookaheadCount };
            _anchor = binding.Anchor ?? _anchor;
        }

        _ended = false;
        DelayDeactivation(TimeSpan.MaxValue);
        Publish();
        return Task.CompletedTask;
    }

    public Task<AddFragmentResult> AddFragmentAsync(long sessionEpoch, Fragment fragment)
    {
        if (sessionEpoch != _epoch || _binding is null || _ended)
        {
            return Task.FromResult(AddFragmentResult.SessionClosed);
        }

        if (_index.Last is { } last && fragment.Time < last.End)
        {
            if (_index.Contains(fragment.Time))
            {
                return Task.FromResult(AddFragmentResult.Duplicate);
            }

            // Within the DVR window a fragment may still go before the first one held (the window is not full yet).
            var windowStart = _binding.DvrWindowLength > TimeSpan.Zero ? last.End - ToTrackTicks(_binding.DvrWindowLength, _binding.Info.Timescale) : long.MinValue;
            if (!_index.TryInsert(fragment, windowStart))
            {
                LogLateFragment(PrimaryKey, fragment.Time, last.End);
                return Task.FromResult(AddFragmentResult.Late);
            }

            LogFilledGap(PrimaryKey, fragment.Time);
            _lastModified = timeProvider.GetUtcNow();
            Publish();
            return Task.FromResult(AddFragmentResult.Added);
        }

        _index.Append(fragment);
        if (_binding.DvrWindowLength > TimeSpan.Zero)
        {
            _index.TrimEndingBefore(fragment.End - ToTrackTicks(_binding.DvrWindowLength, _binding.Info.Timescale));
        }

        _lastModified = timeProvider.GetUtcNow();

        // Normally the point has decided the session's clock before the first fragment; a feed that proposes none
        // (a standard Smooth upstream) gets one from this arrival, the same way.
        _anchor ??= SessionAnchor.FromArrival(_lastModified, fragment.End, _binding.Info.Timescale);
        Publish();
        return Task.FromResult(AddFragmentResult.Added);
    }

    public Task SetEndedAsync(long sessionEpoch, bool ended)
    {
        if (sessionEpoch == _epoch && _ended != ended)
        {
            _ended = ended;
            Publish();
        }

        return Task.CompletedTask;
    }

    public Task SetAnchorAsync(long sessionEpoch, DateTimeOffset anchor)
    {
        if (sessionEpoch == _epoch && _anchor != anchor)
        {
            _anchor = anchor;
            Publish();
        }

        return Task.CompletedTask;
    }

    public Task ClearAsync(long sessionEpoch)
    {
        _index.Clear();
        _epoch = Math.Max(_epoch, sessionEpoch);
        _binding = null;
        _ended = false;
        _anchor = null;
        Publish();
        DelayDeactivation(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task<TrackTimeline> GetTimelineAsync() => Task.FromResult(_timeline);

    public Task<CmafTrackHeader?> GetCmafHeaderAsync()
    {
        // Interleaved callers may race to build it from the same published info; both results are equal. Keying the
        // cache by the info instance keeps a new session's header from being answered with the old one.
        var info = _timeline.Info;
        if (info is null)
        {
            return Task.FromResult<CmafTrackHeader?>(null);
        }

        var cached = _cmafHeader;
        if (cached is null || !ReferenceEquals(cached.Info, info))
        {
            cached = new CmafHeader(info, new CmafTrackHeader(info.Kind, CmafHeaderWriter.Write(info)));
            _cmafHeader = cached;
        }

        return Task.FromResult<CmafTrackHeader?>(cached.Header);
    }

    public async Task<FragmentRead> ReadFragmentAsync(long time, TimeSpan wait, CancellationToken cancellationToken)
    {
        wait = Clamp(wait);
        var read = FragmentRead.From(_timeline, time);
        if (read.Status == FragmentReadStatus.Found || wait <= TimeSpan.Zero || read.Ended || !IsNextAfterLiveEdge(_timeline, time))
        {
            return read;
        }

        var deadline = timeProvider.GetUtcNow() + wait;
        while (true)
        {
            // Read the signal before the view: a publish between the two reads then still wakes this loop.
            var changed = Volatile.Read(ref _changed).Task;
            var timeline = _timeline;
            var remaining = deadline - timeProvider.GetUtcNow();
            if (timeline.IndexOf(time) >= 0 || timeline.Ended || timeline.Info is null || remaining <= TimeSpan.Zero)
            {
                return FragmentRead.From(timeline, time);
            }

            if (!await WaitForChangeAsync(changed, remaining, cancellationToken))
            {
                return FragmentRead.From(_timeline, time);
            }
        }
    }

    public async Task<TrackStreamRead> ReadFragmentsAfterAsync(long after, int maxCount, TimeSpan wait, CancellationToken cancellationToken)
    {
        maxCount = Math.Clamp(maxCount, 1, 256);
        wait = Clamp(wait);
        var deadline = timeProvider.GetUtcNow() + wait;
        while (true)
        {
            // As in ReadFragmentAsync: the signal before the view, so a publish between the two reads still wakes us.
            var changed = Volatile.Read(ref _changed).Task;
            var timeline = _timeline;
            var read = StreamReadFrom(timeline, after, maxCount, _epoch);
            var remaining = deadline - timeProvider.GetUtcNow();
            if (!read.Fragments.IsEmpty || read.Ended || !read.Bound || remaining <= TimeSpan.Zero)
            {
                return read;
            }

            if (!await WaitForChangeAsync(changed, remaining, cancellationToken))
            {
                return StreamReadFrom(_timeline, after, maxCount, _epoch);
            }
        }
    }

    public Task<TrackInfo?> GetInfoAsync() => Task.FromResult(_timeline.Info);

    /// <summary>Waits for the next publish; false when <paramref name="remaining"/> passed or the caller went away first.</summary>
    private async Task<bool> WaitForChangeAsync(Task changed, TimeSpan remaining, CancellationToken cancellationToken)
    {
        try
        {
            await changed.WaitAsync(remaining, timeProvider, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait > LongPoll.MaxWait ? LongPoll.MaxWait : wait;

    private static TrackStreamRead StreamReadFrom(TrackTimeline timeline, long after, int maxCount, long epoch)
    {
        var first = timeline.FirstAfter(after);
        var available = Math.Min(maxCount, timeline.Count - first);
        var fragments = ImmutableArray.CreateBuilder<Fragment>(available);
        long bytes = 0;
        for (var i = 0; i < available && (i == 0 || bytes + timeline[first + i].Data.Length <= TrackStreamRead.MaxBytes); i++)
        {
            fragments.Add(timeline[first + i]);
            bytes += timeline[first + i].Data.Length;
        }

        var count = fragments.Count;
        return new TrackStreamRead(fragments.DrainToImmutable(), epoch, timeline.Info is not null, timeline.Ended && first + count == timeline.Count) { Anchor = timeline.Anchor };
    }

    /// <summary>Only a request at or past the newest fragment's end may wait: anything older will never appear.</summary>
    private static bool IsNextAfterLiveEdge(TrackTimeline timeline, long time) =>
        timeline.Count > 0 && time >= timeline[timeline.Count - 1].End - NearTolerance(timeline);

    /// <summary>How far off a player's idea of an epoch-based time may be (see <see cref="FragmentRead.From"/>): 0.1 ms.</summary>
    private static long NearTolerance(TrackTimeline timeline) => (timeline.Info?.Timescale ?? 0) / 10_000;

    private static long ToTrackTicks(TimeSpan span, long timescale) => (long)((Int128)span.Ticks * timescale / TimeSpan.TicksPerSecond);

    private void Publish()
    {
        usage.AddDvrBytes(_index.Bytes - _countedBytes);
        _countedBytes = _index.Bytes;
        _timeline = _index.Snapshot(_binding?.Info, ++_version, _ended, _lastModified, _binding?.LookaheadCount ?? 0, _anchor);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Track {Track}: ignored a late fragment at {Time}, before the end of the newest one ({End})")]
    private partial void LogLateFragment(string track, long time, long end);

    [LoggerMessage(Level = LogLevel.Information, Message = "Track {Track}: a fragment at {Time} arrived after later ones and filled its gap")]
    private partial void LogFilledGap(string track, long time);

    private sealed record CmafHeader(TrackInfo Info, CmafTrackHeader Header);
}
