using System.Collections.Concurrent;

namespace Cluster.Grains.Activations;

/// <summary>
/// The publishing points and tracks whose activation on this silo is running: registered in Orleans' grain directory and
/// past <c>OnActivateAsync</c>, until <c>OnDeactivateAsync</c>. Orleans' grain statistics also list activations still
/// registering and ones that lost a registration race and are discarded without ever running (seen while a crashed
/// silo's directory range is recovered); only a grain running on two silos at once is a duplicate that splits a DVR.
/// </summary>
public sealed class RunningActivations
{
    private readonly ConcurrentDictionary<GrainId, byte> _running = new();

    /// <summary>The keys of the running grains of <paramref name="grainType"/> (Orleans' type name, e.g. <c>track</c>), sorted.</summary>
    public string[] Keys(string grainType) =>
        [.. _running.Keys.Where(id => id.Type.ToString() == grainType).Select(id => id.Key.ToString()!).Order(StringComparer.Ordinal)];

    internal void Started(GrainId id) => _running.TryAdd(id, 0);

    internal void Stopped(GrainId id) => _running.TryRemove(id, out _);
}
