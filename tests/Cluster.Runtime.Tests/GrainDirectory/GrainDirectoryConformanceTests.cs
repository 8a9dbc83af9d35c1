using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Tests.Directory;

/// <summary>
/// What every <see cref="IGrainDirectory"/> must do, run against each implementation by a subclass. Each test uses its
/// own cluster id, so tests never see each other's entries even when they share a database.
/// </summary>
public abstract class GrainDirectoryConformanceTests : IAsyncLifetime
{
    private const int Contenders = 20;

    private static readonly SiloAddress SiloA = new("10.0.0.1:11111", 638_500_000_000_000_000);
    private static readonly SiloAddress SiloB = new("10.0.0.2:11111", 638_500_000_000_000_000);

    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N");

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A directory of cluster <paramref name="clusterId"/>; directories made by one test class instance share one store.</summary>
    protected abstract IGrainDirectory CreateDirectory(string clusterId);

    [Fact]
    public async Task Lookup_UnknownGrain_Null()
    {
        var directory = CreateDirectory(_clusterId);

        (await directory.Lookup(Grain("live/none"))).ShouldBeNull();
    }

    [Fact]
    public async Task Register_AbsentGrain_RegisteredAndLookedUpWithEveryField()
    {
        var directory = CreateDirectory(_clusterId);
        var address = Address("live/event1", SiloA, version: 42);

        (await directory.Register(address)).ShouldBe(address);

        (await directory.Lookup(address.GrainId)).ShouldBe(address);
    }

    [Fact]
    public async Task Register_TwentyActivationsAtOnce_ExactlyOneWinsAndEveryCallerGetsIt()
    {
        var directory = CreateDirectory(_clusterId);
        var contenders = Enumerable.Range(0, Contenders).Select(i => Address("live/contended", i % 2 == 0 ? SiloA : SiloB)).ToList();

        var results = await Task.WhenAll(contenders.Select(a => Task.Run(() => directory.Register(a))));

        var winner = results.Distinct().ShouldHaveSingleItem();
        contenders.ShouldContain(winner);
        (await directory.Lookup(winner.GrainId)).ShouldBe(winner);
    }

    [Fact]
    public async Task Register_GrainAlreadyRegistered_ReturnsExistingUnchanged()
    {
        var directory = CreateDirectory(_clusterId);
        var first = Address("live/event1", SiloA);
        await directory.Register(first);

        (await directory.Register(Address("live/event1", SiloB))).ShouldBe(first);

        (await directory.Lookup(first.GrainId)).ShouldBe(first);
    }

    [Fact]
    public async Task Register_SameActivationAgain_ReturnsIt()
    {
        var directory = CreateDirectory(_clusterId);
        var address = Address("live/event1", SiloA);
        await directory.Register(address);

        (await directory.Register(address)).ShouldBe(address);
    }

    [Fact]
    public async Task Unregister_AnotherActivation_EntryStays()
    {
        var directory = CreateDirectory(_clusterId);
        var registered = Address("live/event1", SiloA);
        await directory.Register(registered);

        await directory.Unregister(registered with { ActivationId = Guid.NewGuid() });

        (await directory.Lookup(registered.GrainId)).ShouldBe(registered);
    }

    [Fact]
    public async Task Unregister_SameActivation_EntryRemovedAndGrainFreeAgain()
    {
        var directory = CreateDirectory(_clusterId);
        var registered = Address("live/event1", SiloA);
        await directory.Register(registered);

        await directory.Unregister(registered);

        (await directory.Lookup(registered.GrainId)).ShouldBeNull();
        var next = Address("live/event1", SiloB);
        (await directory.Register(next)).ShouldBe(next);
    }

    [Fact]
    public async Task Register_MatchingPreviousAddress_ReplacesEntry()
    {
        var directory = CreateDirectory(_clusterId);
        var onDeadSilo = Address("live/event1", SiloA, version: 3);
        await directory.Register(onDeadSilo);
        var replacement = Address("live/event1", SiloB, version: 4);

        (await directory.Register(replacement, onDeadSilo)).ShouldBe(replacement);

        (await directory.Lookup(replacement.GrainId)).ShouldBe(replacement);
    }

    [Fact]
    public async Task Register_PreviousAddressOfAnotherActivation_KeepsExisting()
    {
        var directory = CreateDirectory(_clusterId);
        var existing = Address("live/event1", SiloA);
        await directory.Register(existing);
        var replacement = Address("live/event1", SiloB);

        (await directory.Register(replacement, existing with { ActivationId = Guid.NewGuid() })).ShouldBe(existing);
        (await directory.Register(replacement, existing with { SiloAddress = SiloB })).ShouldBe(existing);

        (await directory.Lookup(existing.GrainId)).ShouldBe(existing);
    }

    [Fact]
    public async Task Register_PreviousAddressButNoEntry_Registers()
    {
        var directory = CreateDirectory(_clusterId);
        var address = Address("live/event1", SiloB);

        (await directory.Register(address, Address("live/event1", SiloA))).ShouldBe(address);

        (await directory.Lookup(address.GrainId)).ShouldBe(address);
    }

    [Fact]
    public async Task Register_TwentyReplacementsOfOneDeadEntry_ExactlyOneWins()
    {
        var directory = CreateDirectory(_clusterId);
        var dead = Address("live/event1", SiloA);
        await directory.Register(dead);
        var contenders = Enumerable.Range(0, Contenders).Select(_ => Address("live/event1", SiloB)).ToList();

        var results = await Task.WhenAll(contenders.Select(a => Task.Run(() => directory.Register(a, dead))));

        var winner = results.Distinct().ShouldHaveSingleItem();
        contenders.ShouldContain(winner);
    }

    [Fact]
    public async Task UnregisterSilos_OneSilo_RemovesOnlyItsEntries()
    {
        var directory = CreateDirectory(_clusterId);
        var restartedA = new SiloAddress(SiloA.Endpoint, SiloA.Generation + 1);
        var onA = new[] { Address("live/a1", SiloA), Address("live/a2", SiloA) };
        var onB = Address("live/b1", SiloB);
        var onRestartedA = Address("live/a3", restartedA);
        foreach (var address in onA.Append(onB).Append(onRestartedA))
        {
            await directory.Register(address);
        }

        await directory.UnregisterSilos([SiloA]);

        foreach (var address in onA)
        {
            (await directory.Lookup(address.GrainId)).ShouldBeNull();
        }

        (await directory.Lookup(onB.GrainId)).ShouldBe(onB);
        (await directory.Lookup(onRestartedA.GrainId)).ShouldBe(onRestartedA);
    }

    [Fact]
    public async Task UnregisterSilos_NoSilos_RemovesNothing()
    {
        var directory = CreateDirectory(_clusterId);
        var address = Address("live/event1", SiloA);
        await directory.Register(address);

        await directory.UnregisterSilos([]);

        (await directory.Lookup(address.GrainId)).ShouldBe(address);
    }

    [Fact]
    public async Task Register_SameGrainInTwoClusters_BothRegistered()
    {
        var mine = CreateDirectory(_clusterId);
        var other = CreateDirectory(_clusterId + "-other");
        var inMine = Address("live/event1", SiloA);
        var inOther = Address("live/event1", SiloB);

        (await mine.Register(inMine)).ShouldBe(inMine);
        (await other.Register(inOther)).ShouldBe(inOther);
        await other.UnregisterSilos([SiloA]);

        (await mine.Lookup(inMine.GrainId)).ShouldBe(inMine);
        (await other.Lookup(inOther.GrainId)).ShouldBe(inOther);
    }

    [Fact]
    public async Task Lookup_GrainsOfOtherTypesWithTheSameKey_Distinct()
    {
        var directory = CreateDirectory(_clusterId);
        var point = Address("live/event1", SiloA);
        var track = point with { GrainId = new GrainId("trackgrain", "live/event1"), ActivationId = Guid.NewGuid() };

        await directory.Register(point);
        await directory.Register(track);

        (await directory.Lookup(point.GrainId)).ShouldBe(point);
        (await directory.Lookup(track.GrainId)).ShouldBe(track);
    }

    private static GrainId Grain(string key) => new("publishingpointgrain", key);

    private static GrainAddress Address(string key, SiloAddress silo, long version = 1) =>
        new(Grain(key), silo, Guid.NewGuid(), new MembershipVersion(version));
}
