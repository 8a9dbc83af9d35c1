using System.Globalization;

namespace Cluster.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when told to (<see cref="Advance"/>, <see cref="SetUtcNow"/>),
/// for deterministic tests of timers, timeouts and idle collection. Thread-safe.
/// </summary>
/// <remarks>
/// Timers made by <see cref="CreateTimer"/> (and so <c>Task.Delay(t, provider)</c>, <c>WaitAsync(t, provider)</c> and
/// <c>new CancellationTokenSource(t, provider)</c>) fire synchronously on the thread that moves the clock, in due-time
/// order, with <see cref="GetUtcNow"/> equal to their due time while their callback runs. A periodic timer fires once
/// per period crossed. A timer whose due time is zero fires at once, on the thread creating or changing it.
/// </remarks>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now;
    private DateTimeOffset _target;
    private long _sequence;

    /// <summary>Starts the clock at 2000-01-01T00:00:00Z.</summary>
    public FakeTimeProvider()
        : this(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Starts the clock at <paramref name="startTime"/>.</summary>
    public FakeTimeProvider(DateTimeOffset startTime)
    {
        _now = startTime;
        _target = startTime;
        Start = startTime;
    }

    /// <summary>The time the clock started at.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Time zone reported by <see cref="TimeProvider.LocalTimeZone"/>; UTC unless set.</summary>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>Number of timers currently scheduled (created, not disposed, with a due time).</summary>
    public int ScheduledTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZone;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    /// <inheritdoc/>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing the timers that fall due on the way.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            // Concurrent advances add up: each extends the furthest time any caller is moving to.
            _target = (_target > _now ? _target : _now) + delta;
            target = _target;
        }

        MoveTo(target);
    }

    /// <summary>Sets the clock, firing the timers that fall due on the way; it cannot go backwards.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is earlier than the current time.</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_lock)
        {
            if (value < _now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The fake clock cannot go back from {_now:O}.");
            }

            if (value > _target)
            {
                _target = value;
            }
        }

        MoveTo(value);
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc/>
    public override string ToString() => GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static void Validate(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
    }

    private void MoveTo(DateTimeOffset target)
    {
        while (true)
        {
            FakeTimer? due = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueTime <= target && (due is null || timer.DueTime < due.DueTime || (timer.DueTime == due.DueTime && timer.Sequence < due.Sequence)))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                if (due.DueTime > _now)
                {
                    _now = due.DueTime;
                }

                Reschedule(due);
            }

            due.Fire();
        }
    }

    /// <summary>After a firing: next period, or off. Caller holds the lock.</summary>
    private void Reschedule(FakeTimer timer)
    {
        if (timer.Period > TimeSpan.Zero && timer.Period != Timeout.InfiniteTimeSpan)
        {
            timer.DueTime += timer.Period;
            timer.Sequence = ++_sequence;
        }
        else
        {
            _timers.Remove(timer);
        }
    }

    private bool Change(FakeTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime));
        Validate(period, nameof(period));
        bool fireNow;
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return false;
            }

            _timers.Remove(timer);
            fireNow = false;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.DueTime = _now + dueTime;
                timer.Period = period;
                timer.Sequence = ++_sequence;
                _timers.Add(timer);
                if (dueTime == TimeSpan.Zero)
                {
                    Reschedule(timer);
                    fireNow = true;
                }
            }
        }

        if (fireNow)
        {
            timer.Fire();
        }

        return true;
    }

    private void Dispose(FakeTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueTime { get; set; }

        public TimeSpan Period { get; set; }

        public long Sequence { get; set; }

        public volatile bool Disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.Change(this, dueTime, period);

        public void Fire()
        {
            if (!Disposed)
            {
                callback(state);
            }
        }

        public void Dispose() => owner.Dispose(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
