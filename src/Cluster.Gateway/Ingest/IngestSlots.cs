using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Ingest;

/// <summary>Counts encoder connections so a flood of pushes cannot take the node's memory or threads.</summary>
internal sealed class IngestSlots(IOptions<GatewayOptions> options)
{
    private int _inUse;

    public int InUse => Volatile.Read(ref _inUse);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inUse) <= options.Value.MaxConcurrentIngestConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _inUse);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inUse);
}
