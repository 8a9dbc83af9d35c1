using Cluster.Runtime.Catalog;
using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Hosting;

/// <summary>Deactivates this silo's grains while it is ShuttingDown, so each removes its directory entry before the silo is Dead.</summary>
internal sealed class CatalogShutdown(ActivationCatalog catalog) : ISiloShutdownParticipant
{
    public Task OnShuttingDownAsync(CancellationToken cancellationToken) => catalog.DeactivateAllAsync(cancellationToken);
}
