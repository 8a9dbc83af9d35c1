using System.Diagnostics;
using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;
using Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Tests.Cluster;

/// <summary>
/// Several real silos in one process (Kestrel, HTTP/2 between silos) sharing a membership table and grain directory;
/// run once per store implementation.
/// </summary>
public abstract class ClusterTests
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..12] + "/";

    /// <summary>Store settings of the implementation under test.</summary>
    protected abstract string[] StoreSettings { get; }

    [Fact]
    public async Task Call_FromEverySilo_OneActivationRunsEveryCallInTurn()
    {
        await using var cluster = await StartAsync(3);
        var keys = Enumerable.Range(0, 12).Select(i => $"{_prefix}g{i}").ToList();

        // Every silo calls every grain 5 times, all at once: first calls race to place and register.
        var calls = from silo in cluster.Silos
                    from key in keys
                    from n in Enumerable.Range(0, 5)
                    select (key, task: silo.Grains.GetGrain<IPlacedGrain>(key).VisitAsync());
        var results = await Task.WhenAll(calls.Select(async c => (c.key, visit: await c.task)));

        foreach (var group in results.GroupBy(r => r.key))
        {
            group.Select(r => r.visit.Silo).Distinct().ShouldHaveSingleItem(group.Key);
            group.Select(r => r.visit.Call).Order().ShouldBe(Enumerable.Range(1, 15), group.Key); // turns never overlapped
        }

        ClusterNode.Ledger.MaxConcurrent(_prefix).ShouldBe(1);
    }

    [Fact]
    public async Task Placement_ManyGrains_SpreadOverEverySiloAndChildrenJoinTheirParent()
    {
        await using var cluster = await StartAsync(3);
        var caller = cluster.Silos[0].Grains;
        var parents = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => caller.GetGrain<IPlacedGrain>($"{_prefix}p{i}").VisitAsync()));

        var perSilo = parents.GroupBy(p => p.Silo).ToDictionary(g => g.Key, g => g.Count());
        perSilo.Count.ShouldBe(3);
        perSilo.Values.ShouldAllBe(count => count >= 8); // rendezvous hashing: about 20 each

        for (var i = 0; i < 60; i += 7)
        {
            var child = await cluster.Silos[2].Grains.GetGrain<IPlacedChildGrain>($"{_prefix}p{i}/child").WhereAsync();
            child.ShouldBe(parents[i].Silo);
        }
    }

    [Fact]
    public async Task GracefulStop_OwnerSilo_ItsGrainsMoveWithoutWaitingForFailureDetection()
    {
        await using var cluster = await StartAsync(3);
        var keys = Enumerable.Range(0, 20).Select(i => $"{_prefix}s{i}").ToList();
        var before = await VisitAllAsync(cluster.Silos[0].Grains, keys);
        var leaving = cluster.Silos.First(s => s != cluster.Silos[0] && before.Values.Contains(s.SiloAddress!.ToString()));
        var leavingAddress = leaving.SiloAddress!;

        await cluster.StopAsync(leaving);

        // The leaving silo wrote Dead itself (no failure detection); the caller only has to have read it, or a call may
        // still be routed by its cached location to the stopped silo's closed connection.
        await cluster.WaitForStableAsync();

        // The stopped silo removed its entries before it wrote Dead, so calls go elsewhere at once.
        var directory = cluster.Silos[0].Services.GetRequiredService<IGrainDirectory>();
        foreach (var key in keys)
        {
            (await directory.Lookup(new GrainId("placedgrain", key)))?.SiloAddress.ShouldNotBe(leavingAddress);
        }

        var after = await VisitAllAsync(cluster.Silos[0].Grains, keys);
        after.Values.ShouldNotContain(leavingAddress.ToString());
        foreach (var key in keys.Where(k => before[k] != leavingAddress.ToString()))
        {
            after[key].ShouldBe(before[key], key); // grains of the silos that stayed did not move
        }

        ClusterNode.Ledger.MaxConcurrent(_prefix).ShouldBe(1);
    }

    [Fact]
    public async Task Crash_OwnerSilo_GrainReactivatedOnAnotherSiloWithinTheDetectionBound()
    {
        await using var cluster = await StartAsync(3);
        var caller = cluster.Silos[0];
        var key = await KeyPlacedAwayFromAsync(caller);
        var owner = cluster.Silos.Single(s => s.SiloAddress!.ToString() == key.Silo);

        await cluster.CrashAsync(owner);
        var bound = caller.Services.GetRequiredService<IOptions<MembershipOptions>>().Value.DetectionBound;
        var clock = Stopwatch.StartNew();
        Visit? moved = null;
        while (moved is null && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                moved = await caller.Grains.GetGrain<IPlacedGrain>(key.Key).VisitAsync();
            }
            catch (SiloUnavailableException)
            {
                // Until the crashed silo is declared dead its directory entry stands.
                await Task.Delay(50);
            }
        }

        moved.ShouldNotBeNull();
        moved.Silo.ShouldNotBe(key.Silo);
        moved.Call.ShouldBe(1); // a new activation
        // Liveness, not speed: the configured detection bound plus generous slack, because CI runs this beside ffmpeg
        // and Chromium on 2 cores; a grain that never moved, or moved only after minutes, fails.
        clock.Elapsed.ShouldBeLessThan((bound * 5) + TimeSpan.FromSeconds(15));
        (await caller.Services.GetRequiredService<IGrainDirectory>().Lookup(new GrainId("placedgrain", key.Key)))!.SiloAddress.ToString().ShouldBe(moved.Silo);
    }

    [Fact]
    public async Task NewSilo_JoiningMidEvent_TakesNewGrainsAndLeavesPlacedOnesAlone()
    {
        await using var cluster = await StartAsync(2);
        var caller = cluster.Silos[0].Grains;
        var old = await VisitAllAsync(caller, Enumerable.Range(0, 20).Select(i => $"{_prefix}o{i}").ToList());

        var joined = await cluster.StartSiloAsync();
        await cluster.WaitForStableAsync();

        (await VisitAllAsync(caller, [.. old.Keys])).ShouldBe(old);
        var fresh = await VisitAllAsync(caller, Enumerable.Range(0, 30).Select(i => $"{_prefix}n{i}").ToList());
        fresh.Values.ShouldContain(joined.SiloAddress!.ToString());
    }

    [Fact]
    public async Task Gateway_HostsNoGrains_CallsReachTheSilosOwningThem()
    {
        await using var cluster = await StartAsync(2);
        var gateway = await cluster.StartGatewayAsync();
        await cluster.WaitForStableAsync();
        var keys = Enumerable.Range(0, 10).Select(i => $"{_prefix}w{i}").ToList();

        var viaGateway = await VisitAllAsync(gateway.Grains, keys);
        var viaSilo = await VisitAllAsync(cluster.Silos[1].Grains, keys);

        viaGateway.ShouldBe(viaSilo);
        gateway.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Chaos_CallsWhileSilosCrashStopAndJoin_NeverTwoActivationsOfAGrainAndOnlyTypedErrors()
    {
        await using var cluster = await StartAsync(3);
        var keys = Enumerable.Range(0, 16).Select(i => $"{_prefix}c{i}").ToList();
        using var stop = new CancellationTokenSource();
        var untyped = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var succeeded = 0;
        var callers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                var silos = cluster.Silos;
                try
                {
                    await silos[random.Next(silos.Count)].Grains.GetGrain<IPlacedGrain>(keys[random.Next(keys.Count)]).VisitAsync();
                    Interlocked.Increment(ref succeeded);
                }
                catch (Exception exception) when (exception is GrainCallException or TimeoutException)
                {
                    // Typed: calls to a crashed silo fail until it is declared dead, calls to a stopping one are refused.
                }
                catch (Exception exception)
                {
                    untyped.Enqueue(exception);
                }
            }
        })).ToList();

        // Three rounds of churn, each a crash, a graceful stop and a join, with calls running throughout.
        for (var round = 0; round < 3; round++)
        {
            await cluster.CrashAsync(cluster.Silos[round % cluster.Silos.Count]);
            await cluster.StartSiloAsync();
            await cluster.StopAsync(cluster.Silos[0]);
            await cluster.StartSiloAsync();
            await cluster.WaitForStableAsync();
        }

        await stop.CancelAsync();
        await Task.WhenAll(callers);

        untyped.ShouldBeEmpty();
        succeeded.ShouldBeGreaterThan(0);
        ClusterNode.Ledger.MaxConcurrent(_prefix).ShouldBe(1);
        var after = await VisitAllAsync(cluster.Silos[0].Grains, keys);
        after.Values.ShouldAllBe(silo => cluster.Silos.Any(s => s.SiloAddress!.ToString() == silo));
    }

    private Task<TestCluster> StartAsync(int silos) =>
        TestCluster.StartAsync(ClusterNode.Build, silos, [.. TestCluster.FastFailureDetection, .. StoreSettings]);

    private static async Task<Dictionary<string, string>> VisitAllAsync(IGrainFactory grains, IReadOnlyList<string> keys)
    {
        var visits = await Task.WhenAll(keys.Select(k => grains.GetGrain<IPlacedGrain>(k).VisitAsync()));
        return keys.Zip(visits).ToDictionary(p => p.First, p => p.Second.Silo);
    }

    /// <summary>A grain key whose activation is on another silo than <paramref name="caller"/>.</summary>
    private async Task<(string Key, string Silo)> KeyPlacedAwayFromAsync(TestNode caller)
    {
        for (var i = 0; ; i++)
        {
            var key = $"{_prefix}away{i}";
            var visit = await caller.Grains.GetGrain<IPlacedGrain>(key).VisitAsync();
            if (visit.Silo != caller.SiloAddress!.ToString())
            {
                return (key, visit.Silo);
            }
        }
    }
}

public sealed class InMemoryClusterTests : ClusterTests
{
    protected override string[] StoreSettings => [];
}

public sealed class PostgreSqlClusterTests(PostgreSqlDatabaseFixture database) : ClusterTests, IClassFixture<PostgreSqlDatabaseFixture>
{
    private readonly string _clusterId = $"c{Guid.NewGuid():N}"[..16];

    protected override string[] StoreSettings =>
    [
        "--Cluster:Membership:Provider=PostgreSql",
        $"--Cluster:Membership:ConnectionString={database.ConnectionString}",
        $"--Cluster:Membership:ClusterId={_clusterId}",
        "--Cluster:Directory:Provider=PostgreSql",
        $"--Cluster:Directory:ConnectionString={database.ConnectionString}",
        $"--Cluster:Directory:ClusterId={_clusterId}",
    ];
}
