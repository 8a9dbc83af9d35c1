using Cluster.Runtime.Tests.TestGrains;

namespace Cluster.Runtime.Tests.References;

public sealed class GrainReferenceTests
{
    [Fact]
    public async Task Equals_SameGrainAndInterface_AreEqual()
    {
        await using var host = new RuntimeHost();

        var a = host.Grains.GetGrain<ICounterGrain>("x");
        var b = host.Grains.GetGrain<ICounterGrain>("x");

        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
        a.ShouldNotBe(host.Grains.GetGrain<ICounterGrain>("y"));
        a.ToString()!.ShouldContain("countergrain/x");
    }

    [Fact]
    public async Task GetGrain_TwoReferences_ShareOneActivation()
    {
        await using var host = new RuntimeHost();

        await host.Grains.GetGrain<ICounterGrain>("shared").IncrementAsync();
        (await host.Grains.GetGrain<ICounterGrain>("shared").IncrementAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task GrainId_InsideGrain_IsLowerCaseClassNameAndKey()
    {
        await using var host = new RuntimeHost();

        await host.Grains.GetGrain<ICounterGrain>("live/event1").IncrementAsync();

        host.Catalog.ActiveGrains.ShouldBe([new GrainId("countergrain", "live/event1")]);
        host.Probe.Events.ShouldContain("activate countergrain/live/event1");
    }
}
