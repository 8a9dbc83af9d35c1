using Cluster.Runtime.Tests.TestGrains;

namespace Cluster.Runtime.Tests.Catalog;

public sealed class ActivationCatalogTests
{
    [Fact]
    public async Task Call_OnActivateAsyncThrows_GrainCallExceptionAndNextCallActivatesAgain()
    {
        await using var host = new RuntimeHost();
        host.Probe.ActivationFailuresLeft = 1;
        var grain = host.Grains.GetGrain<IFlakyActivationGrain>("flaky");

        var exception = await Should.ThrowAsync<GrainCallException>(() => grain.PingAsync());

        exception.InnerException.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("activation failed on purpose");
        host.Catalog.Count.ShouldBe(0);
        (await grain.PingAsync()).ShouldBe("pong");
        host.Probe.Activations.ShouldBe(1);
        host.Catalog.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Call_OnActivateAsyncThrows_EveryQueuedCallerGetsGrainCallException()
    {
        await using var host = new RuntimeHost();
        host.Probe.ActivationFailuresLeft = 1;
        var grain = host.Grains.GetGrain<IFlakyActivationGrain>("flaky-many");

        var calls = Enumerable.Range(0, 5).Select(_ => grain.PingAsync()).ToList();

        foreach (var call in calls)
        {
            var outcome = await Should.ThrowAsync<Exception>(() => call.WaitAsync(TestTimeouts.Hang));
            outcome.ShouldBeOfType<GrainCallException>();
        }

        (await grain.PingAsync()).ShouldBe("pong");
    }

    [Fact]
    public async Task ActiveGrains_AfterCalls_ListsEachGrainOnce()
    {
        await using var host = new RuntimeHost();

        await Task.WhenAll(
            host.Grains.GetGrain<ICounterGrain>("a").IncrementAsync(),
            host.Grains.GetGrain<ICounterGrain>("a").IncrementAsync(),
            host.Grains.GetGrain<ICounterGrain>("b").IncrementAsync(),
            host.Grains.GetGrain<IKeepAliveGrain>("a").PingAsync());

        host.Catalog.Count.ShouldBe(3);
        host.Catalog.ActiveGrains.ShouldBe(
            [new GrainId("countergrain", "a"), new GrainId("countergrain", "b"), new GrainId("keepalivegrain", "a")],
            ignoreOrder: true);
    }

    [Fact]
    public async Task GetGrain_NoCall_DoesNotActivate()
    {
        await using var host = new RuntimeHost();

        host.Grains.GetGrain<ICounterGrain>("lazy");

        host.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Call_ManyConcurrentFirstCalls_CreateOneActivation()
    {
        await using var host = new RuntimeHost();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => host.Grains.GetGrain<ICounterGrain>("race").IncrementAsync())));

        host.Probe.Activations.ShouldBe(1);
        (await host.Grains.GetGrain<ICounterGrain>("race").GetCountAsync()).ShouldBe(50);
    }
}
