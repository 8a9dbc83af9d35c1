using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Storage;

namespace Cluster.Grains.Tests.Storage;

public sealed class InMemoryPublishingPointStoreTests : PublishingPointStoreConformanceTests
{
    protected override IPublishingPointStore Store { get; } = new InMemoryPublishingPointStore();
}
