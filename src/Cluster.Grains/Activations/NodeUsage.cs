using System.Collections.Concurrent;

namespace Cluster.Grains.Activations;

/// <summary>
/// What this silo holds right now, for the node quotas (<see cref="Contracts.PublishingPoints.PublishingPointOptions.MaxLivePointsPerNode"/>,
/// <see cref="Contracts.PublishingPoints.PublishingPointOptions.MaxDvrBytesPerNode"/>): the live points and the DVR bytes
/// of every track. Grains of one silo update it; a new session is refused when it is over a limit.
/// </summary>
public sealed class NodeUsage
{
    private readonly ConcurrentDictionary<string, byte> _livePoints = new(StringComparer.Ordinal);
    private long _dvrBytes;

    /// <summary>Points with a live session on this silo.</summary>
    public int LivePoints => _livePoints.Count;

    /// <summary>Fragment bytes held by this silo's tracks.</summary>
    public long DvrBytes => Interlocked.Read(ref _dvrBytes);

    internal void SetLive(string point, bool live)
    {
        if (live)
        {
            _livePoints.TryAdd(point, 0);
        }
        else
        {
            _livePoints.TryRemove(point, out _);
        }
    }

    internal bool IsLive(string point) => _livePoints.ContainsKey(point);

    internal void AddDvrBytes(long delta) => Interlocked.Add(ref _dvrBytes, delta);
}
