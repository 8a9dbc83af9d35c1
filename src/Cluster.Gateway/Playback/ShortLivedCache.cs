using System.Collections.Concurrent;

namespace Cluster.Gateway.Playback;

/// <summary>
/// Keeps the answer of a grain call for a short, fixed lifetime, so a crowd asking the same question costs one call per
/// lifetime: askers arriving while the call is in flight share it. The lifetime counts from when the call started, on the
/// injected clock, so an answer is never handed out later than <c>lifetime</c> after it was asked for. Answers that
/// <c>keep</c> rejects (a missing manifest, an unknown point) and failures are not kept: the next asker calls again.
/// A lifetime of zero or less disables the cache (every asker calls).
/// </summary>
internal sealed class ShortLivedCache<TKey, TValue>
    where TKey : notnull
{
    /// <summary>How often, at most, expired entries of keys nobody asks for any more are swept out.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly Func<TKey, Task<TValue>> _load;
    private readonly Func<TValue, bool> _keep;
    private long _lastSweep;

    public ShortLivedCache(TimeProvider time, TimeSpan lifetime, Func<TKey, Task<TValue>> load, Func<TValue, bool> keep)
    {
        _time = time;
        _lifetime = lifetime;
        _load = load;
        _keep = keep;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>Number of keys held (answers and calls in flight), for tests.</summary>
    public int Count => _entries.Count;

    /// <summary>The answer for <paramref name="key"/>: the kept one while it is younger than the lifetime, otherwise a new call's.</summary>
    public Task<TValue> GetAsync(TKey key)
    {
        if (_lifetime <= TimeSpan.Zero)
        {
            return _load(key);
        }

        var now = _time.GetTimestamp();
        while (true)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                if (!IsExpired(entry, now))
                {
                    return entry.Answer.Task;
                }

                var replacement = new Entry(now);
                if (_entries.TryUpdate(key, replacement, entry))
                {
                    return Start(key, replacement);
                }
            }
            else
            {
                var created = new Entry(now);
                if (_entries.TryAdd(key, created))
                {
                    return Start(key, created);
                }
            }
        }
    }

    private bool IsExpired(Entry entry, long now) => _time.GetElapsedTime(entry.Started, now) >= _lifetime;

    private Task<TValue> Start(TKey key, Entry entry)
    {
        SweepIfDue(entry.Started);
        _ = LoadAsync(key, entry);
        return entry.Answer.Task;
    }

    /// <summary>Runs the call; never throws (a failure goes to the askers through the shared task).</summary>
    private async Task LoadAsync(TKey key, Entry entry)
    {
        try
        {
            var value = await _load(key);
            if (!_keep(value))
            {
                _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            }

            entry.Answer.SetResult(value);
        }
        catch (Exception e)
        {
            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            entry.Answer.SetException(e);
        }
    }

    /// <summary>Drops expired entries once per <see cref="SweepInterval"/>, so keys that stopped being asked for do not pile up.</summary>
    private void SweepIfDue(long now)
    {
        var last = Volatile.Read(ref _lastSweep);
        if (_time.GetElapsedTime(last, now) < SweepInterval || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var pair in _entries)
        {
            if (IsExpired(pair.Value, now))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed class Entry(long started)
    {
        public long Started { get; } = started;

        public TaskCompletionSource<TValue> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
