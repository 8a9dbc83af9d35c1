namespace Cluster.Grains.Tiers;

/// <summary>
/// What a push output wrote to its connection, newest last, so a reconnect knows where to resume: HTTP/1.1 acknowledges
/// nothing before the end of the body, so anything written shortly before the break may never have arrived.
/// </summary>
internal sealed class SentLog(int capacity)
{
    private readonly Queue<(long Time, DateTimeOffset WrittenAt)> _entries = new();
    private long _forgottenUpTo = long.MinValue;

    public void Add(long time, DateTimeOffset writtenAt)
    {
        _entries.Enqueue((time, writtenAt));
        while (_entries.Count > capacity)
        {
            _forgottenUpTo = _entries.Dequeue().Time;
        }
    }

    /// <summary>
    /// The time to resume after (exclusive): before every fragment written since <paramref name="since"/>, and before at
    /// least the last <paramref name="minimum"/> fragments; <see cref="long.MinValue"/> (from the start) when nothing was written.
    /// </summary>
    public long ResumeAfter(DateTimeOffset since, int minimum)
    {
        var entries = _entries.ToArray();
        var first = entries.Length;
        while (first > 0 && (entries.Length - first < minimum || entries[first - 1].WrittenAt >= since))
        {
            first--;
        }

        return first > 0 ? entries[first - 1].Time : _forgottenUpTo;
    }
}
