using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Tests.Membership;

public sealed class InMemoryMembershipTableTests : MembershipTableConformanceTests
{
    private readonly InMemoryClusterStore _store = new();

    protected override IMembershipTable CreateTable(string clusterId) => new InMemoryMembershipTable(_store, clusterId);

    [Fact]
    public async Task InsertRow_CallerMutatesItsRoleSetAfterwards_StoredRowUnchanged()
    {
        var table = CreateTable("mutation");
        var roles = new HashSet<string> { "origin" };
        var entry = new MembershipEntry { SiloAddress = new SiloAddress("10.0.0.1:11111", 1), Status = SiloStatus.Joining, Roles = roles };
        (await table.InsertRow(entry, TableVersion.Initial.Next())).ShouldBeTrue();

        roles.Add("gateway");

        (await table.ReadAll()).Members.Single().Entry.Roles.ShouldBe(["origin"]);
    }
}
