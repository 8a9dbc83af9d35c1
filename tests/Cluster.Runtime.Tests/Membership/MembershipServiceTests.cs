using Cluster.Runtime.Membership;
using Xunit.Abstractions;

namespace Cluster.Runtime.Tests.Membership;

/// <summary>The membership protocol against the in-memory table, several silos in one test on a fake clock.</summary>
public sealed class MembershipServiceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private readonly MembershipTestCluster _cluster = new(new InMemoryMembershipTable(new InMemoryClusterStore(), "test"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StartAsync_ThreeSilos_AllSeeThreeActive()
    {
        var silos = new[]
        {
            await _cluster.StartSiloAsync("10.0.0.1:11111"),
            await _cluster.StartSiloAsync("10.0.0.2:11111"),
            await _cluster.StartSiloAsync("10.0.0.3:11111"),
        };

        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        foreach (var silo in silos)
        {
            silo.ActiveSilos.Select(e => e.SiloAddress).ShouldBe(silos.Select(s => s.LocalSilo).Order());
            silo.Version.ShouldBe(silos[0].Version);
        }

        _cluster.Table.StatusesWritten(silos[1].LocalSilo).ShouldBe([SiloStatus.Joining, SiloStatus.Active]);
    }

    [Fact]
    public async Task StartAsync_SiloJoins_ChangedRaisedWithNewSilo()
    {
        var first = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var seen = new List<ClusterMembershipSnapshot>();
        first.Changed += (_, snapshot) => seen.Add(snapshot);

        var second = await _cluster.StartSiloAsync("10.0.0.2:11111");
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        seen.ShouldNotBeEmpty();
        seen[^1].ActiveSilos.Select(e => e.SiloAddress).ShouldContain(second.LocalSilo);
        first.Current.ShouldBeSameAs(seen[^1]);
    }

    [Fact]
    public async Task Crash_OneOfThree_DeclaredDeadWithinBound()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");
        var c = await _cluster.StartSiloAsync("10.0.0.3:11111");
        await _cluster.AdvanceAsync(TimeSpan.FromSeconds(10));

        c.Crash();
        _cluster.Network.TakeDown(c.LocalSilo.Endpoint);
        var took = await _cluster.AdvanceUntilAsync(
            () => a.Current.GetStatus(c.LocalSilo) == SiloStatus.Dead && b.Current.GetStatus(c.LocalSilo) == SiloStatus.Dead,
            Step,
            TimeSpan.FromMinutes(1));

        took.ShouldNotBeNull();
        output.WriteLine($"Crashed silo seen Dead by both peers after {took.Value.TotalSeconds} s of fake time (bound {_cluster.TestedDetectionBound.TotalSeconds} s)");
        took.Value.ShouldBeLessThanOrEqualTo(_cluster.TestedDetectionBound);
        var row = (await _cluster.Table.ReadRow(c.LocalSilo)).Members.ShouldHaveSingleItem().Entry;
        row.SuspectTimes.Select(v => v.Suspecter).Order().ShouldBe([a.LocalSilo, b.LocalSilo]);
        a.ActiveSilos.Select(e => e.SiloAddress).ShouldBe([a.LocalSilo, b.LocalSilo]);
        _cluster.Lifetimes[a.LocalSilo].StopRequested.IsCompleted.ShouldBeFalse();
        _cluster.Lifetimes[b.LocalSilo].StopRequested.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task Crash_OneOfTwo_DeclaredDeadWithOneVote()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        b.Crash();
        _cluster.Network.TakeDown(b.LocalSilo.Endpoint);
        var took = await _cluster.AdvanceUntilAsync(() => a.Current.GetStatus(b.LocalSilo) == SiloStatus.Dead, Step, TimeSpan.FromMinutes(1));

        took.ShouldNotBeNull();
        took.Value.ShouldBeLessThanOrEqualTo(_cluster.TestedDetectionBound);
        a.ActiveSilos.ShouldHaveSingleItem().SiloAddress.ShouldBe(a.LocalSilo);
    }

    [Fact]
    public async Task ProbeFailure_OneSuspecterOfThree_NotDeclaredDead()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");
        var c = await _cluster.StartSiloAsync("10.0.0.3:11111");
        _cluster.Network.Cut(a.LocalSilo.Endpoint, c.LocalSilo.Endpoint);

        // Longer than a vote lives, so expired votes of a are dropped and replaced, never added up.
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(70); elapsed += Step)
        {
            await _cluster.AdvanceAsync(Step);
        }

        var row = (await _cluster.Table.ReadRow(c.LocalSilo)).Members.ShouldHaveSingleItem().Entry;
        row.Status.ShouldBe(SiloStatus.Active);
        row.SuspectTimes.ShouldHaveSingleItem().Suspecter.ShouldBe(a.LocalSilo);
        foreach (var silo in new[] { a, b, c })
        {
            silo.ActiveSilos.Count.ShouldBe(3);
        }

        _cluster.Lifetimes[c.LocalSilo].StopRequested.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task Refresh_ReadsOwnRowDead_StopsApplication()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");
        var read = await _cluster.Table.ReadAll();
        var row = read.TryGet(b.LocalSilo)!.Value;
        (await _cluster.Table.UpdateRow(row.Entry with { Status = SiloStatus.Dead }, row.ETag, read.Version.Next())).ShouldBeTrue();

        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        await _cluster.Lifetimes[b.LocalSilo].StopRequested.WaitAsync(TimeSpan.FromSeconds(10));
        _cluster.Lifetimes[a.LocalSilo].StopRequested.IsCompleted.ShouldBeFalse();

        // A silo declared dead writes nothing more, not even its goodbye.
        await b.StopAsync(CancellationToken.None);
        _cluster.Table.StatusesWritten(b.LocalSilo).ShouldBe([SiloStatus.Joining, SiloStatus.Active, SiloStatus.Dead]);
    }

    [Fact]
    public async Task Crash_PartitionedSiloStillRunning_ReadsItselfDeadAndStops()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");
        var c = await _cluster.StartSiloAsync("10.0.0.3:11111");
        _cluster.Network.TakeDown(c.LocalSilo.Endpoint);

        var took = await _cluster.AdvanceUntilAsync(() => _cluster.Lifetimes[c.LocalSilo].StopRequested.IsCompleted, Step, TimeSpan.FromMinutes(1));

        took.ShouldNotBeNull();
        took.Value.ShouldBeLessThanOrEqualTo(_cluster.TestedDetectionBound);
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);
        a.ActiveSilos.Count.ShouldBe(2);
        b.ActiveSilos.Count.ShouldBe(2);
    }

    [Fact]
    public async Task StopAsync_Graceful_WritesShuttingDownThenDead()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");

        await b.StopAsync(CancellationToken.None);
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        _cluster.Table.StatusesWritten(b.LocalSilo).ShouldBe([SiloStatus.Joining, SiloStatus.Active, SiloStatus.ShuttingDown, SiloStatus.Dead]);
        a.Current.GetStatus(b.LocalSilo).ShouldBe(SiloStatus.Dead);
        a.ActiveSilos.ShouldHaveSingleItem().SiloAddress.ShouldBe(a.LocalSilo);
        (await _cluster.Table.ReadRow(b.LocalSilo)).Members.ShouldHaveSingleItem().Entry.SuspectTimes.ShouldBeEmpty();
    }

    [Fact]
    public async Task Crash_NoGoodbye_WritesNothing()
    {
        await _cluster.StartSiloAsync("10.0.0.1:11111");
        var b = await _cluster.StartSiloAsync("10.0.0.2:11111");

        b.Crash();
        await b.StopAsync(CancellationToken.None);

        _cluster.Table.StatusesWritten(b.LocalSilo).ShouldBe([SiloStatus.Joining, SiloStatus.Active]);
    }

    [Fact]
    public async Task StartAsync_TenSilosConcurrently_AllJoinDespiteConflicts()
    {
        const int Silos = 10;
        _cluster.Table.InsertGateSize = Silos;
        _cluster.Table.InsertGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var silos = Enumerable.Range(1, Silos).Select(i => _cluster.CreateSilo($"10.0.0.{i}:11111")).ToList();

        await Task.WhenAll(silos.Select(s => Task.Run(() => s.StartAsync(CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        _cluster.Table.Conflicts.ShouldBeGreaterThanOrEqualTo(Silos - 1);
        var all = await _cluster.Table.ReadAll();
        all.Members.Count.ShouldBe(Silos);
        all.Members.ShouldAllBe(r => r.Entry.Status == SiloStatus.Active);
        foreach (var silo in silos)
        {
            silo.ActiveSilos.Count.ShouldBe(Silos);
        }
    }

    [Fact]
    public async Task StartAsync_RestartOnSameEndpoint_EarlierGenerationDeclaredDead()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");
        var old = await _cluster.StartSiloAsync("10.0.0.2:11111");
        old.Crash();
        await _cluster.AdvanceAsync(Step);

        var restarted = await _cluster.StartSiloAsync("10.0.0.2:11111");
        await _cluster.AdvanceAsync(_cluster.Options.TableRefreshInterval);

        restarted.LocalSilo.ShouldNotBe(old.LocalSilo);
        a.Current.GetStatus(old.LocalSilo).ShouldBe(SiloStatus.Dead);
        a.ActiveSilos.Select(e => e.SiloAddress).ShouldBe([a.LocalSilo, restarted.LocalSilo]);
    }

    [Fact]
    public async Task IAmAlive_Interval_HeartbeatWritten()
    {
        var a = await _cluster.StartSiloAsync("10.0.0.1:11111");

        await _cluster.AdvanceAsync(_cluster.Options.IAmAliveInterval);

        (await _cluster.Table.ReadRow(a.LocalSilo)).Members.ShouldHaveSingleItem().Entry.IAmAliveTime.ShouldBe(_cluster.Clock.GetUtcNow());
    }
}
