using Cluster.Runtime.Tests.TestGrains;

namespace Cluster.Runtime.Tests.Catalog;

public sealed class ActivationDataTests
{
    [Fact]
    public async Task Call_ManyConcurrentCallsToOneGrain_NeverOverlapAndKeepOrder()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("turns");

        // Sent from one thread in order, so arrival order is the sequence order.
        var calls = Enumerable.Range(0, 200).Select(grain.EnterAsync).ToList();
        var results = await Task.WhenAll(calls).WaitAsync(TestTimeouts.Hang);

        host.Probe.MaxConcurrent.ShouldBe(1);
        host.Probe.CallOrder.ShouldBe(Enumerable.Range(0, 200));
        results.ShouldBe(Enumerable.Range(1, 200));
    }

    [Fact]
    public async Task Call_ConcurrentCallersOnManyThreads_NeverOverlap()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("threads");

        var calls = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await grain.EnterAsync((t * 100) + i);
            }
        }));
        await Task.WhenAll(calls).WaitAsync(TestTimeouts.Hang);

        host.Probe.MaxConcurrent.ShouldBe(1);
        (await grain.GetCountAsync()).ShouldBe(200);
        host.Probe.Activations.ShouldBe(1);
    }

    [Fact]
    public async Task Call_DifferentGrains_RunInParallel()
    {
        await using var host = new RuntimeHost();

        // Each waits until the other has released it: only completes if both run at the same time.
        var a = host.Grains.GetGrain<IPeerGrain>("a").MeetAsync("b");
        var b = host.Grains.GetGrain<IPeerGrain>("b").MeetAsync("a");

        await Task.WhenAll(a, b).WaitAsync(TestTimeouts.Hang);
    }

    [Fact]
    public async Task Call_AlwaysInterleaveMethodDuringBlockedCall_RunsWithoutWaiting()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("blocked");
        var blocked = grain.BlockAsync();
        await host.Probe.Signal("blocked:entered").Task.WaitAsync(TestTimeouts.Hang);

        var queued = grain.GetCountAsync();
        (await grain.PingAsync().WaitAsync(TestTimeouts.Hang)).ShouldBe("pong blocked");

        queued.IsCompleted.ShouldBeFalse();
        blocked.IsCompleted.ShouldBeFalse();
        host.Probe.Signal("blocked:release").SetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        (await queued.WaitAsync(TestTimeouts.Hang)).ShouldBe(0);
    }

    [Fact]
    public async Task Call_AlwaysInterleaveMethodBeforeActivation_IsDelivered()
    {
        await using var host = new RuntimeHost();

        (await host.Grains.GetGrain<ICounterGrain>("first").PingAsync().WaitAsync(TestTimeouts.Hang)).ShouldBe("pong first");

        host.Probe.Activations.ShouldBe(1);
    }

    [Fact]
    public async Task Call_GrainThrowsAfterAwait_CallerGetsSameExceptionAndGrainStaysUsable()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("throws");
        await grain.IncrementAsync();

        var exception = await Should.ThrowAsync<InvalidOperationException>(() => grain.ThrowAsync("boom"));

        exception.Message.ShouldBe("boom");
        (await grain.IncrementAsync()).ShouldBe(2);
        host.Probe.Activations.ShouldBe(1);
    }

    [Fact]
    public async Task Call_GrainThrowsSynchronously_CallerGetsFaultedTaskWithSameException()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("sync-throw");

        var call = grain.ThrowSynchronously("bad");

        (await Should.ThrowAsync<ArgumentException>(() => call)).Message.ShouldBe("bad");
        (await grain.IncrementAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Call_CancelledWhileQueued_ThrowsOperationCanceledAndIsNeverDelivered()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("cancel");
        var blocked = grain.BlockAsync();
        await host.Probe.Signal("cancel:entered").Task.WaitAsync(TestTimeouts.Hang);
        using var cancellation = new CancellationTokenSource();

        var queued = grain.WaitForSignalAsync("never", cancellation.Token);
        var after = grain.IncrementAsync();
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => queued.WaitAsync(TestTimeouts.Hang));
        host.Probe.Signal("cancel:release").SetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        (await after.WaitAsync(TestTimeouts.Hang)).ShouldBe(1);
        host.Probe.Events.ShouldNotContain("delivered never");
    }

    [Fact]
    public async Task Call_TokenAlreadyCancelled_ThrowsOperationCanceledWithoutActivating()
    {
        await using var host = new RuntimeHost();

        await Should.ThrowAsync<OperationCanceledException>(
            () => host.Grains.GetGrain<ICounterGrain>("early").WaitForSignalAsync("x", new CancellationToken(canceled: true)));

        host.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Call_TokenCancelledWhileRunning_GrainObservesIt()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("running");
        using var cancellation = new CancellationTokenSource();

        var call = grain.WaitForSignalAsync("running-signal", cancellation.Token);
        await host.Probe.Signal("running-signal:delivered").Task.WaitAsync(TestTimeouts.Hang);
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => call.WaitAsync(TestTimeouts.Hang));
        (await grain.IncrementAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Call_GrainCallsAnotherGrain_Completes()
    {
        await using var host = new RuntimeHost();

        (await host.Grains.GetGrain<IChainGrain>("x").IncrementCounterAsync()).ShouldBe(1);
        (await host.Grains.GetGrain<ICounterGrain>("x").GetCountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task DeactivateOnIdle_CalledByGrain_DeactivatesAfterCallAndNextCallGetsFreshState()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("done");
        await grain.IncrementAsync();
        await grain.IncrementAsync();

        await grain.DeactivateOnIdleAsync();

        var (id, reason) = await host.Probe.NextDeactivationAsync();
        id.ShouldBe(new GrainId("countergrain", "done"));
        reason.ShouldBe(DeactivationReason.ApplicationRequested);
        host.Catalog.Count.ShouldBe(0);
        (await grain.IncrementAsync()).ShouldBe(1);
        host.Probe.Activations.ShouldBe(2);
    }

    [Fact]
    public async Task DeactivateOnIdle_CallsAlreadyQueued_AreDeliveredBeforeDeactivation()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("drain");
        var blocked = grain.BlockAsync();
        await host.Probe.Signal("drain:entered").Task.WaitAsync(TestTimeouts.Hang);
        var deactivate = grain.DeactivateOnIdleAsync();
        var queued = grain.IncrementAsync();

        host.Probe.Signal("drain:release").SetResult();
        await Task.WhenAll(blocked, deactivate).WaitAsync(TestTimeouts.Hang);

        (await queued.WaitAsync(TestTimeouts.Hang)).ShouldBe(1);
        (await host.Probe.NextDeactivationAsync()).Reason.ShouldBe(DeactivationReason.ApplicationRequested);
        (await grain.IncrementAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Call_DuringDeactivation_NewActivationWaitsForOnDeactivateAsync()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ISlowDeactivationGrain>("slow");
        (await grain.IncrementAsync()).ShouldBe(1);
        await grain.DeactivateOnIdleAsync();
        await host.Probe.Signal("slow:deactivating").Task.WaitAsync(TestTimeouts.Hang);

        var call = grain.IncrementAsync();
        await Task.Yield();
        call.IsCompleted.ShouldBeFalse();
        host.Probe.Activations.ShouldBe(1);
        host.Probe.Signal("slow:deactivate").SetResult();

        (await call.WaitAsync(TestTimeouts.Hang)).ShouldBe(1);
        host.Probe.Events.ShouldBe([
            "activate slowdeactivationgrain/slow",
            "deactivate slowdeactivationgrain/slow ApplicationRequested",
            "activate slowdeactivationgrain/slow",
        ]);
        host.Catalog.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Deactivation_OnDeactivateAsyncHangsPastTimeout_IsAbandonedAndNewActivationStarts()
    {
        await using var host = new RuntimeHost(o => o.DeactivationTimeout = TimeSpan.FromSeconds(10));
        var grain = host.Grains.GetGrain<ISlowDeactivationGrain>("stuck");
        await grain.DeactivateOnIdleAsync();
        await host.Probe.Signal("stuck:deactivating").Task.WaitAsync(TestTimeouts.Hang);
        var call = grain.IncrementAsync();

        host.Clock.Advance(TimeSpan.FromSeconds(10));

        (await call.WaitAsync(TestTimeouts.Hang)).ShouldBe(1);
        host.Probe.Activations.ShouldBe(2);
        host.Probe.Signal("stuck:deactivate").SetResult();
    }

    [Fact]
    public async Task ValueTaskMethods_Called_ReturnResults()
    {
        await using var host = new RuntimeHost();
        var grain = host.Grains.GetGrain<ICounterGrain>("value");

        await grain.IncrementValueAsync();

        (await grain.GetCountValueAsync()).ShouldBe(1);
    }
}
