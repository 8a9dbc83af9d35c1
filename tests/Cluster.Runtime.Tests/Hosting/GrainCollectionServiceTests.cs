using Cluster.Runtime.Tests.TestGrains;

namespace Cluster.Runtime.Tests.Hosting;

public sealed class GrainCollectionServiceTests
{
    private static readonly TimeSpan Age = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Quantum = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task IdleCollection_NoCallForCollectionAge_DeactivatesWithIdleCollection()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        var grain = host.Grains.GetGrain<ICounterGrain>("idle");
        await grain.IncrementAsync();

        host.Clock.Advance(Age + Quantum);

        host.Catalog.Count.ShouldBe(0);
        var (id, reason) = await host.Probe.NextDeactivationAsync();
        id.Key.ShouldBe("idle");
        reason.ShouldBe(DeactivationReason.IdleCollection);
        (await grain.IncrementAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task IdleCollection_YoungerThanCollectionAge_KeepsActivation()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        var grain = host.Grains.GetGrain<ICounterGrain>("young");
        await grain.IncrementAsync();

        host.Clock.Advance(Age - Quantum);
        await grain.IncrementAsync();
        host.Clock.Advance(Age - Quantum);

        host.Catalog.Count.ShouldBe(1);
        (await grain.IncrementAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task IdleCollection_KeepAliveGrain_NeverCollected()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        await host.Grains.GetGrain<IKeepAliveGrain>("forever").PingAsync();

        host.Clock.Advance(TimeSpan.FromDays(3));

        host.Catalog.ActiveGrains.ShouldBe([new GrainId("keepalivegrain", "forever")]);
        host.Probe.Deactivations.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task IdleCollection_CollectionAgeLimitAttribute_OverridesDefaultAge()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        await host.Grains.GetGrain<IShortLivedGrain>("short").PingAsync();
        await host.Grains.GetGrain<ICounterGrain>("long").IncrementAsync();

        host.Clock.Advance(TimeSpan.FromMinutes(3));

        var (id, reason) = await host.Probe.NextDeactivationAsync();
        id.ShouldBe(new GrainId("shortlivedgrain", "short"));
        reason.ShouldBe(DeactivationReason.IdleCollection);
        host.Catalog.ActiveGrains.ShouldBe([new GrainId("countergrain", "long")]);
    }

    [Fact]
    public async Task IdleCollection_DelayDeactivation_PostponesUntilPeriodEnds()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        var grain = host.Grains.GetGrain<ICounterGrain>("delayed");
        await grain.DelayDeactivationAsync(TimeSpan.FromHours(1));

        host.Clock.Advance(TimeSpan.FromMinutes(30));
        host.Catalog.Count.ShouldBe(1);
        host.Clock.Advance(TimeSpan.FromMinutes(31));

        host.Catalog.Count.ShouldBe(0);
        (await host.Probe.NextDeactivationAsync()).Reason.ShouldBe(DeactivationReason.IdleCollection);
    }

    [Fact]
    public async Task IdleCollection_CallRunning_NotCollected()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        var grain = host.Grains.GetGrain<ICounterGrain>("busy");
        var blocked = grain.BlockAsync();
        await host.Probe.Signal("busy:entered").Task.WaitAsync(TestTimeouts.Hang);

        host.Clock.Advance(Age + Quantum);

        host.Catalog.Count.ShouldBe(1);
        host.Probe.Signal("busy:release").SetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        host.Clock.Advance(Age + Quantum);
        host.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task IdleCollection_CustomOptions_UsesConfiguredAge()
    {
        await using var host = new RuntimeHost(o =>
        {
            o.CollectionAge = TimeSpan.FromSeconds(30);
            o.CollectionQuantum = TimeSpan.FromSeconds(10);
        });
        await host.StartAsync();
        await host.Grains.GetGrain<ICounterGrain>("quick").IncrementAsync();

        host.Clock.Advance(TimeSpan.FromSeconds(20));
        host.Catalog.Count.ShouldBe(1);
        host.Clock.Advance(TimeSpan.FromSeconds(20));

        host.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task IdleCollection_HostNotStarted_DoesNotCollect()
    {
        await using var host = new RuntimeHost();
        await host.Grains.GetGrain<ICounterGrain>("unhosted").IncrementAsync();

        host.Clock.Advance(TimeSpan.FromDays(1));

        host.Catalog.Count.ShouldBe(1);
    }

    [Fact]
    public async Task StopAsync_ActiveGrains_DeactivatesAllWithShuttingDown()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        await host.Grains.GetGrain<ICounterGrain>("a").IncrementAsync();
        await host.Grains.GetGrain<ICounterGrain>("b").IncrementAsync();
        await host.Grains.GetGrain<IKeepAliveGrain>("c").PingAsync();

        await host.StopAsync().WaitAsync(TestTimeouts.Hang);

        host.Catalog.Count.ShouldBe(0);
        var deactivations = new List<(GrainId Grain, DeactivationReason Reason)>();
        while (host.Probe.Deactivations.Reader.TryRead(out var deactivation))
        {
            deactivations.Add(deactivation);
        }

        deactivations.Select(d => d.Grain.Key).ShouldBe(["a", "b", "c"], ignoreOrder: true);
        deactivations.ShouldAllBe(d => d.Reason == DeactivationReason.ShuttingDown);
    }

    [Fact]
    public async Task StopAsync_CallInFlight_WaitsForItBeforeDeactivating()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        var grain = host.Grains.GetGrain<ICounterGrain>("inflight");
        var blocked = grain.BlockAsync();
        await host.Probe.Signal("inflight:entered").Task.WaitAsync(TestTimeouts.Hang);
        var queued = grain.IncrementAsync();

        var stop = host.StopAsync();
        stop.IsCompleted.ShouldBeFalse();
        host.Probe.Signal("inflight:release").SetResult();
        await stop.WaitAsync(TestTimeouts.Hang);

        blocked.IsCompletedSuccessfully.ShouldBeTrue();
        (await queued).ShouldBe(1);
        host.Probe.Events.Last().ShouldBe("deactivate countergrain/inflight ShuttingDown");
    }

    [Fact]
    public async Task Call_AfterStopAsync_ThrowsGrainCallException()
    {
        await using var host = new RuntimeHost();
        await host.StartAsync();
        await host.StopAsync();

        await Should.ThrowAsync<GrainCallException>(() => host.Grains.GetGrain<ICounterGrain>("late").IncrementAsync());
    }
}
