using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Cluster.Runtime.Tests.TestGrains;

/// <summary>Per-test singleton the test grains report to and wait on (injected through their constructors).</summary>
public sealed class GrainProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();
    private int _concurrent;
    private int _maxConcurrent;
    private int _activations;

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<int> CallOrder { get; } = new();

    public Channel<(GrainId Grain, DeactivationReason Reason)> Deactivations { get; } = Channel.CreateUnbounded<(GrainId, DeactivationReason)>();

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public int Activations => Volatile.Read(ref _activations);

    /// <summary>How many more activations should throw from OnActivateAsync.</summary>
    public int ActivationFailuresLeft;

    public void Enter()
    {
        var now = Interlocked.Increment(ref _concurrent);
        int max;
        while (now > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, max) != max)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _concurrent);

    public void Activated(GrainId grain)
    {
        Interlocked.Increment(ref _activations);
        Events.Enqueue($"activate {grain}");
    }

    public void Deactivated(GrainId grain, DeactivationReason reason)
    {
        Events.Enqueue($"deactivate {grain} {reason}");
        Deactivations.Writer.TryWrite((grain, reason));
    }

    /// <summary>A named one-shot event (created on first use by either side).</summary>
    public TaskCompletionSource Signal(string name) =>
        _signals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Waits for the next deactivation (a safety timeout only turns a hang into a failure).</summary>
    public async Task<(GrainId Grain, DeactivationReason Reason)> NextDeactivationAsync() =>
        await Deactivations.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Hang);
}

/// <summary>Real-time bounds that only turn a hang into a failed test; no test relies on them passing.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);
}
