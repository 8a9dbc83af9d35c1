using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Tests.Directory;

public sealed class InMemoryGrainDirectoryTests : GrainDirectoryConformanceTests
{
    private readonly InMemoryClusterStore _store = new();

    protected override IGrainDirectory CreateDirectory(string clusterId) => new InMemoryGrainDirectory(_store, clusterId);
}
