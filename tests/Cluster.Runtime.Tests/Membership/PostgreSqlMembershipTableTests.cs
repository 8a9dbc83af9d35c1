using Cluster.Runtime.Membership;
using Cluster.Runtime.PostgreSql;
using Cluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Runtime.Tests.Membership;

public sealed class PostgreSqlMembershipTableTests(PostgreSqlDatabaseFixture database)
    : MembershipTableConformanceTests, IClassFixture<PostgreSqlDatabaseFixture>
{
    private readonly PostgreSqlStore _store = new(database.ConnectionString, NullLogger.Instance);

    public override async Task DisposeAsync() => await _store.DisposeAsync();

    protected override IMembershipTable CreateTable(string clusterId) => new PostgreSqlMembershipTable(_store, clusterId, NullLogger.Instance);
}
