using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.Tests.TestGrains;

public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Records concurrency and order around real awaits.</summary>
    Task<int> EnterAsync(int sequence);

    Task<int> IncrementAsync();

    Task<int> GetCountAsync();

    Task ThrowAsync(string message);

    Task<int> ThrowSynchronously(string message);

    /// <summary>Signals "{key}:entered", then waits for "{key}:release".</summary>
    Task BlockAsync();

    /// <summary>Interleaves with a blocked call.</summary>
    [AlwaysInterleave]
    Task<string> PingAsync();

    Task<int> WaitForSignalAsync(string name, CancellationToken cancellationToken);

    Task DeactivateOnIdleAsync();

    Task DelayDeactivationAsync(TimeSpan period);

    ValueTask<int> GetCountValueAsync();

    ValueTask IncrementValueAsync();
}

public interface IPeerGrain : IGrainWithStringKey
{
    /// <summary>Releases <paramref name="other"/> and waits until it has released this grain.</summary>
    Task MeetAsync(string other);
}

public interface IKeepAliveGrain : IGrainWithStringKey
{
    Task PingAsync();
}

public interface IShortLivedGrain : IGrainWithStringKey
{
    Task PingAsync();
}

public interface IFlakyActivationGrain : IGrainWithStringKey
{
    Task<string> PingAsync();
}

public interface ISlowDeactivationGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task DeactivateOnIdleAsync();
}

public interface IChainGrain : IGrainWithStringKey
{
    /// <summary>Calls the counter grain of the same key and returns its new count.</summary>
    Task<int> IncrementCounterAsync();
}

public sealed partial class CounterGrain(GrainProbe probe, ILogger<CounterGrain> logger, TimeProvider timeProvider) : Grain, ICounterGrain
{
    private int _count;

    public TimeProvider Clock => timeProvider;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated(GrainId);
        LogActivated(logger, GrainId);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(GrainId, reason);
        return Task.CompletedTask;
    }

    public async Task<int> EnterAsync(int sequence)
    {
        probe.Enter();
        try
        {
            probe.CallOrder.Enqueue(sequence);
            await Task.Yield();
            await Task.Delay(1);
            await Task.Yield();
            return ++_count;
        }
        finally
        {
            probe.Exit();
        }
    }

    public Task<int> IncrementAsync() => Task.FromResult(++_count);

    public Task<int> GetCountAsync() => Task.FromResult(_count);

    public async Task ThrowAsync(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    public Task<int> ThrowSynchronously(string message) => throw new ArgumentException(message);

    public async Task BlockAsync()
    {
        probe.Signal($"{PrimaryKey}:entered").TrySetResult();
        await probe.Signal($"{PrimaryKey}:release").Task;
    }

    public Task<string> PingAsync() => Task.FromResult($"pong {PrimaryKey}");

    public async Task<int> WaitForSignalAsync(string name, CancellationToken cancellationToken)
    {
        probe.Events.Enqueue($"delivered {name}");
        probe.Signal($"{name}:delivered").TrySetResult();
        await probe.Signal(name).Task.WaitAsync(cancellationToken);
        return ++_count;
    }

    public Task DeactivateOnIdleAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task DelayDeactivationAsync(TimeSpan period)
    {
        DelayDeactivation(period);
        return Task.CompletedTask;
    }

    public ValueTask<int> GetCountValueAsync() => ValueTask.FromResult(_count);

    public ValueTask IncrementValueAsync()
    {
        _count++;
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Counter {GrainId} activated")]
    private static partial void LogActivated(ILogger logger, GrainId grainId);
}

public sealed class PeerGrain(GrainProbe probe) : Grain, IPeerGrain
{
    public async Task MeetAsync(string other)
    {
        probe.Signal($"{other}:released").TrySetResult();
        await probe.Signal($"{PrimaryKey}:released").Task;
    }
}

[KeepAlive]
public sealed class KeepAliveGrain(GrainProbe probe) : Grain, IKeepAliveGrain
{
    public Task PingAsync() => Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(GrainId, reason);
        return Task.CompletedTask;
    }
}

[CollectionAgeLimit(2)]
public sealed class ShortLivedGrain(GrainProbe probe) : Grain, IShortLivedGrain
{
    public Task PingAsync() => Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(GrainId, reason);
        return Task.CompletedTask;
    }
}

public sealed class FlakyActivationGrain(GrainProbe probe) : Grain, IFlakyActivationGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (Interlocked.Decrement(ref probe.ActivationFailuresLeft) >= 0)
        {
            throw new InvalidOperationException("activation failed on purpose");
        }

        probe.Activated(GrainId);
    }

    public Task<string> PingAsync() => Task.FromResult("pong");
}

/// <summary>OnDeactivateAsync signals "{key}:deactivating" and waits for "{key}:deactivate".</summary>
public sealed class SlowDeactivationGrain(GrainProbe probe) : Grain, ISlowDeactivationGrain
{
    private int _count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated(GrainId);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Signal($"{PrimaryKey}:deactivating").TrySetResult();
        await probe.Signal($"{PrimaryKey}:deactivate").Task;
        probe.Deactivated(GrainId, reason);
    }

    public Task<int> IncrementAsync() => Task.FromResult(++_count);

    public Task DeactivateOnIdleAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class ChainGrain : Grain, IChainGrain
{
    public Task<int> IncrementCounterAsync() => GrainFactory.GetGrain<ICounterGrain>(PrimaryKey).IncrementAsync();
}
