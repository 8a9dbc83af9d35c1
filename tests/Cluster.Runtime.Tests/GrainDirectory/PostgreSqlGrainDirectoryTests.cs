using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.PostgreSql;
using Cluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Runtime.Tests.Directory;

public sealed class PostgreSqlGrainDirectoryTests(PostgreSqlDatabaseFixture database)
    : GrainDirectoryConformanceTests, IClassFixture<PostgreSqlDatabaseFixture>
{
    private readonly PostgreSqlStore _store = new(database.ConnectionString, NullLogger.Instance);

    public override async Task DisposeAsync() => await _store.DisposeAsync();

    protected override IGrainDirectory CreateDirectory(string clusterId) => new PostgreSqlGrainDirectory(_store, clusterId, NullLogger.Instance);
}
