using Cluster.Runtime.Membership;
using Cluster.Runtime.PostgreSql;
using Cluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Runtime.Tests.Membership;

/// <summary>The membership protocol's compare-and-swap paths against the PostgreSQL table.</summary>
public sealed class MembershipServicePostgreSqlTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>, IAsyncLifetime
{
    private readonly PostgreSqlStore _store = new(database.ConnectionString, NullLogger.Instance);
    private MembershipTestCluster? _cluster;

    private MembershipTestCluster Cluster => _cluster!;

    public Task InitializeAsync()
    {
        _cluster = new MembershipTestCluster(new PostgreSqlMembershipTable(_store, "protocol-" + Guid.NewGuid().ToString("N"), NullLogger.Instance));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Lifecycle_ConcurrentJoinCrashAndLeave_SameOutcomeAsInMemory()
    {
        const int Silos = 4;
        Cluster.Table.InsertGateSize = Silos;
        Cluster.Table.InsertGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var silos = Enumerable.Range(1, Silos).Select(i => Cluster.CreateSilo($"10.0.0.{i}:11111")).ToList();
        await Task.WhenAll(silos.Select(s => Task.Run(() => s.StartAsync(CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(60));
        await Cluster.AdvanceAsync(Cluster.Options.TableRefreshInterval);
        Cluster.Table.Conflicts.ShouldBeGreaterThanOrEqualTo(Silos - 1);
        silos.ShouldAllBe(s => s.ActiveSilos.Count == Silos);

        var crashed = silos[3];
        crashed.Crash();
        Cluster.Network.TakeDown(crashed.LocalSilo.Endpoint);
        var took = await Cluster.AdvanceUntilAsync(
            () => silos.Take(3).All(s => s.Current.GetStatus(crashed.LocalSilo) == SiloStatus.Dead),
            TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(1));
        took.ShouldNotBeNull();
        took.Value.ShouldBeLessThanOrEqualTo(Cluster.TestedDetectionBound);
        (await Cluster.Table.ReadRow(crashed.LocalSilo)).Members.ShouldHaveSingleItem().Entry.SuspectTimes.Count.ShouldBe(2);

        await silos[2].StopAsync(CancellationToken.None);
        await Cluster.AdvanceAsync(Cluster.Options.TableRefreshInterval);

        Cluster.Table.StatusesWritten(silos[2].LocalSilo).ShouldBe([SiloStatus.Joining, SiloStatus.Active, SiloStatus.ShuttingDown, SiloStatus.Dead]);
        silos[0].ActiveSilos.Select(e => e.SiloAddress).ShouldBe([silos[0].LocalSilo, silos[1].LocalSilo]);
        silos[1].ActiveSilos.Select(e => e.SiloAddress).ShouldBe([silos[0].LocalSilo, silos[1].LocalSilo]);
    }
}
