using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Tests.Membership;

/// <summary>
/// What every <see cref="IMembershipTable"/> must do, run against each implementation by a subclass. Each test uses its
/// own cluster id, so tests never see each other's rows even when they share a database.
/// </summary>
public abstract class MembershipTableConformanceTests : IAsyncLifetime
{
    private const int Contenders = 20;

    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N");

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A table of cluster <paramref name="clusterId"/>; tables made by one test class instance share one store.</summary>
    protected abstract IMembershipTable CreateTable(string clusterId);

    [Fact]
    public async Task ReadAll_EmptyCluster_NoRowsAndInitialVersion()
    {
        var table = CreateTable(_clusterId);
        await table.InitializeMembershipTable();

        var data = await table.ReadAll();

        data.Members.ShouldBeEmpty();
        data.Version.ShouldBe(TableVersion.Initial);
    }

    [Fact]
    public async Task InsertRow_NewSilo_ReadsBackEveryField()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111") with
        {
            HostName = "node-1",
            Roles = new HashSet<string> { "origin", "gateway" },
            SuspectTimes = [new SuspectVote(Silo("10.0.0.2:11111"), T0.AddSeconds(3))],
        };

        (await table.InsertRow(entry, (await table.ReadAll()).Version.Next())).ShouldBeTrue();

        var all = await table.ReadAll();
        all.Version.Version.ShouldBe(1);
        var row = all.Members.ShouldHaveSingleItem();
        ShouldBeSame(row.Entry, entry);
        row.ETag.ShouldNotBeNullOrEmpty();
        var one = await table.ReadRow(entry.SiloAddress);
        one.Version.ShouldBe(all.Version);
        one.Members.ShouldHaveSingleItem().ETag.ShouldBe(row.ETag);
        ShouldBeSame(one.Members[0].Entry, entry);
    }

    [Fact]
    public async Task ReadRow_UnknownSilo_NoRowsButCurrentVersion()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111");
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();

        // The same endpoint restarted is a different silo.
        var data = await table.ReadRow(new SiloAddress(entry.SiloAddress.Endpoint, entry.SiloAddress.Generation + 1));

        data.Members.ShouldBeEmpty();
        data.Version.Version.ShouldBe(1);
    }

    [Fact]
    public async Task InsertRow_TwentyParallelSilosFromOneVersion_ExactlyOneWins()
    {
        var table = CreateTable(_clusterId);
        var next = (await table.ReadAll()).Version.Next();
        var entries = Enumerable.Range(0, Contenders).Select(i => Entry($"10.0.0.{i + 1}:11111")).ToList();

        var results = await Task.WhenAll(entries.Select(e => Task.Run(() => table.InsertRow(e, next))));

        results.Count(r => r).ShouldBe(1);
        var data = await table.ReadAll();
        data.Version.Version.ShouldBe(1);
        data.Members.ShouldHaveSingleItem().Entry.SiloAddress.ShouldBe(entries[Array.IndexOf(results, true)].SiloAddress);
    }

    [Fact]
    public async Task InsertRow_SiloAlreadyHasRow_RefusedAndVersionUnchanged()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111");
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();
        var before = await table.ReadAll();

        (await table.InsertRow(entry with { HostName = "again" }, before.Version.Next())).ShouldBeFalse();

        var after = await table.ReadAll();
        after.Version.ShouldBe(before.Version);
        after.Members.ShouldHaveSingleItem().Entry.HostName.ShouldBe(entry.HostName);
    }

    [Fact]
    public async Task InsertRow_StaleOrSkippedVersion_Refused()
    {
        var table = CreateTable(_clusterId);
        var stale = (await table.ReadAll()).Version;
        (await table.InsertRow(Entry("10.0.0.1:11111"), stale.Next())).ShouldBeTrue();

        (await table.InsertRow(Entry("10.0.0.2:11111"), stale.Next())).ShouldBeFalse();
        var current = (await table.ReadAll()).Version;
        (await table.InsertRow(Entry("10.0.0.2:11111"), current)).ShouldBeFalse();
        (await table.InsertRow(Entry("10.0.0.2:11111"), current.Next().Next())).ShouldBeFalse();

        (await table.ReadAll()).Members.Count.ShouldBe(1);
        (await table.InsertRow(Entry("10.0.0.2:11111"), current.Next())).ShouldBeTrue();
    }

    [Fact]
    public async Task UpdateRow_TwentyConcurrentWithOneETag_ExactlyOneWinsAndVersionAdvancesOnce()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111");
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();
        var read = await table.ReadAll();
        var row = read.Members.Single();

        var results = await Task.WhenAll(Enumerable.Range(0, Contenders).Select(i => Task.Run(() =>
            table.UpdateRow(row.Entry with { Status = SiloStatus.Active, HostName = $"writer-{i}" }, row.ETag, read.Version.Next()))));

        results.Count(r => r).ShouldBe(1);
        var after = await table.ReadAll();
        after.Version.Version.ShouldBe(read.Version.Version + 1);
        var stored = after.Members.ShouldHaveSingleItem();
        stored.Entry.HostName.ShouldBe($"writer-{Array.IndexOf(results, true)}");
        stored.Entry.Status.ShouldBe(SiloStatus.Active);
        stored.ETag.ShouldNotBe(row.ETag);
    }

    [Fact]
    public async Task UpdateRow_StaleETag_Refused()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111");
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();
        var first = await table.ReadAll();
        var staleETag = first.Members.Single().ETag;
        (await table.UpdateRow(entry with { Status = SiloStatus.Active }, staleETag, first.Version.Next())).ShouldBeTrue();
        var second = await table.ReadAll();

        (await table.UpdateRow(entry with { Status = SiloStatus.Dead }, staleETag, second.Version.Next())).ShouldBeFalse();

        var after = await table.ReadAll();
        after.Version.ShouldBe(second.Version);
        after.Members.Single().Entry.Status.ShouldBe(SiloStatus.Active);
    }

    [Fact]
    public async Task UpdateRow_StaleTableVersion_Refused()
    {
        var table = CreateTable(_clusterId);
        var a = Entry("10.0.0.1:11111");
        (await table.InsertRow(a, TableVersion.Initial.Next())).ShouldBeTrue();
        var read = await table.ReadAll();
        (await table.InsertRow(Entry("10.0.0.2:11111"), read.Version.Next())).ShouldBeTrue();

        (await table.UpdateRow(a with { Status = SiloStatus.Active }, read.Members.Single().ETag, read.Version.Next())).ShouldBeFalse();

        (await table.ReadRow(a.SiloAddress)).Members.Single().Entry.Status.ShouldBe(SiloStatus.Joining);
    }

    [Fact]
    public async Task UpdateRow_SiloWithoutRow_Refused()
    {
        var table = CreateTable(_clusterId);
        (await table.InsertRow(Entry("10.0.0.1:11111"), TableVersion.Initial.Next())).ShouldBeTrue();
        var read = await table.ReadAll();

        (await table.UpdateRow(Entry("10.0.0.9:11111"), read.Members.Single().ETag, read.Version.Next())).ShouldBeFalse();

        (await table.ReadAll()).Version.ShouldBe(read.Version);
    }

    [Fact]
    public async Task UpdateIAmAlive_ExistingRow_ChangesOnlyTheHeartbeat()
    {
        var table = CreateTable(_clusterId);
        var entry = Entry("10.0.0.1:11111");
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();
        var before = await table.ReadAll();

        await table.UpdateIAmAlive(entry with { IAmAliveTime = T0.AddMinutes(5), Status = SiloStatus.Dead, HostName = "ignored" });

        var after = await table.ReadAll();
        after.Version.ShouldBe(before.Version);
        var row = after.Members.Single();
        row.ETag.ShouldBe(before.Members.Single().ETag);
        row.Entry.IAmAliveTime.ShouldBe(T0.AddMinutes(5));
        row.Entry.Status.ShouldBe(SiloStatus.Joining);
        row.Entry.HostName.ShouldBe(entry.HostName);
        (await table.UpdateRow(row.Entry with { Status = SiloStatus.Active }, before.Members.Single().ETag, before.Version.Next())).ShouldBeTrue();
    }

    [Fact]
    public async Task UpdateIAmAlive_SiloWithoutRow_WritesNothing()
    {
        var table = CreateTable(_clusterId);

        await table.UpdateIAmAlive(Entry("10.0.0.1:11111"));

        var data = await table.ReadAll();
        data.Members.ShouldBeEmpty();
        data.Version.ShouldBe(TableVersion.Initial);
    }

    [Fact]
    public async Task UpdateRow_SuspicionVotes_RoundTripInOrder()
    {
        var table = CreateTable(_clusterId);
        var target = Entry("10.0.0.1:11111");
        (await table.InsertRow(target, TableVersion.Initial.Next())).ShouldBeTrue();
        var read = await table.ReadAll();
        var votes = new[]
        {
            new SuspectVote(Silo("10.0.0.2:11111"), T0.AddSeconds(10)),
            new SuspectVote(Silo("10.0.0.3:11111"), T0.AddSeconds(12.5)),
        };

        (await table.UpdateRow(target with { SuspectTimes = votes }, read.Members.Single().ETag, read.Version.Next())).ShouldBeTrue();

        (await table.ReadRow(target.SiloAddress)).Members.Single().Entry.SuspectTimes.ShouldBe(votes);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_OldRowsNotActive_RemovedOthersKept()
    {
        var table = CreateTable(_clusterId);
        var cutoff = T0.AddHours(1);
        var deadOld = Entry("10.0.0.1:11111") with { Status = SiloStatus.Dead, IAmAliveTime = cutoff.AddSeconds(-1) };
        var shuttingDownOld = Entry("10.0.0.2:11111") with { Status = SiloStatus.ShuttingDown, IAmAliveTime = cutoff.AddMinutes(-5) };
        var activeOld = Entry("10.0.0.3:11111") with { Status = SiloStatus.Active, IAmAliveTime = cutoff.AddMinutes(-5) };
        var deadRecent = Entry("10.0.0.4:11111") with { Status = SiloStatus.Dead, IAmAliveTime = cutoff.AddSeconds(1) };
        foreach (var entry in new[] { deadOld, shuttingDownOld, activeOld, deadRecent })
        {
            (await table.InsertRow(entry, (await table.ReadAll()).Version.Next())).ShouldBeTrue();
        }

        var before = (await table.ReadAll()).Version;

        await table.CleanupDefunctSiloEntries(cutoff);

        var after = await table.ReadAll();
        after.Members.Select(r => r.Entry.SiloAddress).ShouldBe([activeOld.SiloAddress, deadRecent.SiloAddress]);
        after.Version.ShouldBe(before);
    }

    [Fact]
    public async Task ReadAll_TwoClustersInOneStore_SeeOnlyTheirOwnRows()
    {
        var mine = CreateTable(_clusterId);
        var other = CreateTable(_clusterId + "-other");
        (await mine.InsertRow(Entry("10.0.0.1:11111"), TableVersion.Initial.Next())).ShouldBeTrue();

        var otherView = await other.ReadAll();
        otherView.Members.ShouldBeEmpty();
        otherView.Version.ShouldBe(TableVersion.Initial);
        (await other.InsertRow(Entry("10.0.0.1:11111"), otherView.Version.Next())).ShouldBeTrue();
        (await other.InsertRow(Entry("10.0.0.2:11111"), (await other.ReadAll()).Version.Next())).ShouldBeTrue();

        (await mine.ReadAll()).Members.Count.ShouldBe(1);
        (await mine.ReadAll()).Version.Version.ShouldBe(1);
        (await other.ReadAll()).Members.Count.ShouldBe(2);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_OneCluster_OnlyThatClusterEmptied()
    {
        var mine = CreateTable(_clusterId);
        var other = CreateTable(_clusterId + "-other");
        (await mine.InsertRow(Entry("10.0.0.1:11111"), TableVersion.Initial.Next())).ShouldBeTrue();
        (await other.InsertRow(Entry("10.0.0.1:11111"), TableVersion.Initial.Next())).ShouldBeTrue();

        await mine.DeleteMembershipTableEntries(_clusterId + "-other");

        var emptied = await other.ReadAll();
        emptied.Members.ShouldBeEmpty();
        emptied.Version.ShouldBe(TableVersion.Initial);
        (await mine.ReadAll()).Members.Count.ShouldBe(1);
        (await other.InsertRow(Entry("10.0.0.1:11111"), emptied.Version.Next())).ShouldBeTrue();
    }

    [Fact]
    public async Task ReadAll_TableFromAnotherInstance_SeesTheSameCluster()
    {
        var writer = CreateTable(_clusterId);
        var reader = CreateTable(_clusterId);

        (await writer.InsertRow(Entry("10.0.0.1:11111"), TableVersion.Initial.Next())).ShouldBeTrue();

        (await reader.ReadAll()).Members.ShouldHaveSingleItem();
        (await reader.InsertRow(Entry("10.0.0.2:11111"), TableVersion.Initial.Next())).ShouldBeFalse();
    }

    [Fact]
    public async Task InsertRow_StatusNone_Throws()
    {
        var table = CreateTable(_clusterId);

        await Should.ThrowAsync<ArgumentException>(() => table.InsertRow(Entry("10.0.0.1:11111") with { Status = SiloStatus.None }, TableVersion.Initial.Next()));

        (await table.ReadAll()).Version.ShouldBe(TableVersion.Initial);
    }

    private static SiloAddress Silo(string endpoint) => new(endpoint, T0.UtcTicks);

    private static MembershipEntry Entry(string endpoint) => new()
    {
        SiloAddress = Silo(endpoint),
        Status = SiloStatus.Joining,
        HostName = "host-" + endpoint,
        StartTime = T0,
        IAmAliveTime = T0,
    };

    private static void ShouldBeSame(MembershipEntry actual, MembershipEntry expected)
    {
        actual.SiloAddress.ShouldBe(expected.SiloAddress);
        actual.Status.ShouldBe(expected.Status);
        actual.HostName.ShouldBe(expected.HostName);
        actual.Roles.Order(StringComparer.Ordinal).ShouldBe(expected.Roles.Order(StringComparer.Ordinal));
        actual.StartTime.ShouldBe(expected.StartTime);
        actual.IAmAliveTime.ShouldBe(expected.IAmAliveTime);
        actual.SuspectTimes.ShouldBe(expected.SuspectTimes);
    }
}
