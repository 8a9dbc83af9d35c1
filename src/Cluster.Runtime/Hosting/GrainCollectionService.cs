using Cluster.Runtime.Catalog;
using Microsoft.Extensions.Hosting;

namespace Cluster.Runtime.Hosting;

/// <summary>
/// Runs idle collection every <see cref="GrainCollectionOptions.CollectionQuantum"/> on a <see cref="TimeProvider"/>
/// timer, and on stop deactivates every activation (<see cref="DeactivationReason.ShuttingDown"/>), waiting for calls
/// already queued and for <see cref="Grain.OnDeactivateAsync"/>, bounded by the host's shutdown token.
/// </summary>
internal sealed class GrainCollectionService(ActivationCatalog catalog) : IHostedService, IDisposable
{
    private readonly object _lock = new();
    private ITimer? _timer;
    private Task _collection = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var quantum = catalog.Options.CollectionQuantum;
        lock (_lock)
        {
            _timer ??= catalog.TimeProvider.CreateTimer(static s => ((GrainCollectionService)s!).OnTimer(), this, quantum, quantum);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }

        // Also waits for activations an idle collection round is still deactivating.
        await catalog.DeactivateAllAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>Starts a collection round unless the previous one is still deactivating grains.</summary>
    private void OnTimer()
    {
        lock (_lock)
        {
            if (_timer is null || !_collection.IsCompleted)
            {
                return;
            }

            try
            {
                _collection = catalog.CollectIdleAsync();
            }
            catch (Exception exception)
            {
                catalog.Logger.IdleCollectionFailed(exception);
            }
        }
    }
}
