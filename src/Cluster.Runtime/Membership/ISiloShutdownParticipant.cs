namespace Cluster.Runtime.Membership;

/// <summary>
/// Work a graceful stop does while this silo's row says ShuttingDown, before it says Dead (Orleans' silo lifecycle
/// stage between leaving and dying): deactivating the grains.
/// </summary>
internal interface ISiloShutdownParticipant
{
    Task OnShuttingDownAsync(CancellationToken cancellationToken);
}
