using Cluster.Runtime.Membership;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>The grain directory kept in process memory (the single-node default); one lock per cluster makes each operation atomic.</summary>
internal sealed class InMemoryGrainDirectory : IGrainDirectory
{
    private readonly State _state;

    public InMemoryGrainDirectory(InMemoryClusterStore store, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        _state = store.GetDirectory<State>(clusterId);
    }

    public Task<GrainAddress> Register(GrainAddress address, GrainAddress? previousAddress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_state.Lock)
        {
            if (!_state.Entries.TryGetValue(address.GrainId, out var existing)
                || (previousAddress is not null && existing.Matches(previousAddress)))
            {
                _state.Entries[address.GrainId] = address;
                return Task.FromResult(address);
            }

            return Task.FromResult(existing);
        }
    }

    public Task Unregister(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_state.Lock)
        {
            if (_state.Entries.TryGetValue(address.GrainId, out var existing) && existing.ActivationId == address.ActivationId)
            {
                _state.Entries.Remove(address.GrainId);
            }
        }

        return Task.CompletedTask;
    }

    public Task<GrainAddress?> Lookup(GrainId grainId, CancellationToken cancellationToken = default)
    {
        lock (_state.Lock)
        {
            return Task.FromResult(_state.Entries.GetValueOrDefault(grainId));
        }
    }

    public Task UnregisterSilos(IEnumerable<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var dead = silos.ToHashSet();
        lock (_state.Lock)
        {
            var gone = _state.Entries.Values.Where(e => dead.Contains(e.SiloAddress)).Select(e => e.GrainId).ToList();
            foreach (var grainId in gone)
            {
                _state.Entries.Remove(grainId);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>One cluster's entries, kept in the shared <see cref="InMemoryClusterStore"/>.</summary>
    internal sealed class State
    {
        public object Lock { get; } = new();

        public Dictionary<GrainId, GrainAddress> Entries { get; } = [];
    }
}
