using System.Collections.Concurrent;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.Membership;
using Cluster.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>
/// Where grains are, for one silo or gateway (Orleans' <c>GrainLocator</c> with its cache, plus the registration side
/// of the catalog): a cache of directory entries in front of <see cref="IGrainDirectory"/>, placement for grains without
/// an entry, and registration of this silo's activations. The cache drops entries of silos that leave the view and
/// entries a silo answered "not here" for; every silo removes the directory entries of silos it sees declared dead.
/// </summary>
internal sealed class GrainLocator : IDisposable
{
    private const int MaxRegisterAttempts = 3;

    private readonly IGrainDirectory _directory;
    private readonly IClusterView _view;
    private readonly ActivationCatalog _catalog;
    private readonly ILogger<GrainLocator> _logger;
    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();
    private readonly HashSet<SiloAddress> _cleanedUp = [];

    public GrainLocator(IGrainDirectory directory, IClusterView view, ActivationCatalog catalog, ILogger<GrainLocator> logger)
    {
        _directory = directory;
        _view = view;
        _catalog = catalog;
        _logger = logger;
        _view.Changed += OnMembershipChanged;

        // Silos that died before this locator existed are cleaned up too.
        OnMembershipChanged(this, _view.Current);
    }

    /// <summary>This silo, or null in a gateway that hosts no grains.</summary>
    public SiloAddress? LocalSilo => _view.LocalSilo;

    /// <summary>
    /// The silo a call to <paramref name="grainId"/> goes to: the cached or registered owner unless it is dead or
    /// <paramref name="excluded"/>, else the silo placement picks (which then activates it; <c>Placed</c> is true).
    /// </summary>
    /// <exception cref="GrainCallException">No active silo can take the grain.</exception>
    public async ValueTask<(SiloAddress Silo, bool Placed)> LocateAsync(GrainId grainId, GrainClassInfo grainClass, IReadOnlyCollection<SiloAddress> excluded, CancellationToken cancellationToken)
    {
        var view = _view.Current;
        if (_cache.TryGetValue(grainId, out var cached) && Usable(cached, view, excluded))
        {
            return (cached, false);
        }

        var entry = await _directory.Lookup(grainId, cancellationToken).ConfigureAwait(false);
        if (entry is not null && Usable(entry.SiloAddress, view, excluded))
        {
            _cache[grainId] = entry.SiloAddress;
            return (entry.SiloAddress, false);
        }

        return (await PlaceAsync(grainId, grainClass, view, excluded, cancellationToken).ConfigureAwait(false), true);
    }

    /// <summary>Remembers where a silo said the grain is.</summary>
    public void Remember(GrainId grainId, SiloAddress owner) => _cache[grainId] = owner;

    /// <summary>Forgets that the grain is on <paramref name="silo"/> (it answered "not here" or could not be reached).</summary>
    public void Forget(GrainId grainId, SiloAddress silo) => _cache.TryRemove(new KeyValuePair<GrainId, SiloAddress>(grainId, silo));

    /// <summary>
    /// Registers an activation of this silo before it runs. Returns null when it is the grain's activation now (an entry
    /// left by a dead silo is replaced), or the refusal to fail its calls with when another activation holds the entry.
    /// </summary>
    public async Task<NotHereException?> RegisterAsync(GrainId grainId, Guid activationId, CancellationToken cancellationToken)
    {
        var local = LocalSilo ?? throw new InvalidOperationException("A process that hosts no grains cannot register activations.");
        var mine = new GrainAddress(grainId, local, activationId, _view.Current.Version);
        var winner = await _directory.Register(mine, null, cancellationToken).ConfigureAwait(false);
        // An entry of this silo naming another activation is stale: this silo's earlier activation of the grain has
        // finished (a new one starts only after it) but failed to remove its entry.
        for (var attempt = 1; !winner.Matches(mine) && attempt < MaxRegisterAttempts
            && (winner.SiloAddress == local || _view.Current.GetStatus(winner.SiloAddress) == SiloStatus.Dead); attempt++)
        {
            _logger.ReplacingDeadEntry(winner);
            winner = await _directory.Register(mine, winner, cancellationToken).ConfigureAwait(false);
        }

        _cache[grainId] = winner.SiloAddress;
        if (winner.Matches(mine))
        {
            return null;
        }

        _logger.RegistrationLost(grainId, winner);
        return new NotHereException(grainId, winner.SiloAddress, $"activation {winner.ActivationId:N} on {winner.SiloAddress} registered first");
    }

    /// <summary>Removes this activation's entry (another activation's entry stays).</summary>
    public async Task UnregisterAsync(GrainId grainId, Guid activationId, CancellationToken cancellationToken)
    {
        var local = LocalSilo ?? throw new InvalidOperationException("A process that hosts no grains has no activations.");
        Forget(grainId, local);
        await _directory.Unregister(new GrainAddress(grainId, local, activationId, _view.Current.Version), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _view.Changed -= OnMembershipChanged;

    private static bool Usable(SiloAddress silo, ClusterMembershipSnapshot view, IReadOnlyCollection<SiloAddress> excluded) =>
        view.GetStatus(silo) != SiloStatus.Dead && !excluded.Contains(silo);

    private async ValueTask<SiloAddress> PlaceAsync(GrainId grainId, GrainClassInfo grainClass, ClusterMembershipSnapshot view, IReadOnlyCollection<SiloAddress> excluded, CancellationToken cancellationToken)
    {
        var placementKey = grainId.Key;
        var role = grainClass.Role;
        if (grainClass.ColocatedWith is { } parentType)
        {
            placementKey = PlacementDirector.ParentKey(grainId.Key);
            var parentId = new GrainId(parentType, placementKey);
            var parent = _cache.TryGetValue(parentId, out var cachedParent) ? cachedParent
                : (await _directory.Lookup(parentId, cancellationToken).ConfigureAwait(false))?.SiloAddress;
            if (parent is not null && view.GetStatus(parent) == SiloStatus.Active && !excluded.Contains(parent))
            {
                return parent;
            }

            role ??= _catalog.FindClass(parentType)?.Role;
        }

        var candidates = view.ActiveSilos
            .Where(m => role is null || m.Roles.Contains(role))
            .Select(m => m.SiloAddress)
            .Where(s => !excluded.Contains(s));
        return PlacementDirector.Pick(placementKey, candidates)
            ?? throw new GrainCallException(role is null
                ? $"No active silo can take grain {grainId} ({view.ActiveSilos.Count} active, {excluded.Count} refused it)."
                : $"No active silo with role '{role}' can take grain {grainId}.");
    }

    private void OnMembershipChanged(object? sender, ClusterMembershipSnapshot view)
    {
        foreach (var (grainId, silo) in _cache)
        {
            if (view.GetStatus(silo) is SiloStatus.Dead or SiloStatus.ShuttingDown)
            {
                Forget(grainId, silo);
            }
        }

        if (LocalSilo is null)
        {
            return; // Gateways read the directory, they do not maintain it.
        }

        List<SiloAddress> dead;
        lock (_cleanedUp)
        {
            dead = [.. view.Members.Where(m => m.Status == SiloStatus.Dead && _cleanedUp.Add(m.SiloAddress)).Select(m => m.SiloAddress)];
        }

        if (dead.Count > 0)
        {
            _ = RemoveEntriesOfDeadSilosAsync(dead);
        }
    }

    private async Task RemoveEntriesOfDeadSilosAsync(List<SiloAddress> dead)
    {
        try
        {
            await _directory.UnregisterSilos(dead, CancellationToken.None).ConfigureAwait(false);
            _logger.DeadSilosUnregistered(string.Join(", ", dead));
        }
        catch (Exception exception)
        {
            // Entries left behind are replaced conditionally by the next activation of each grain.
            lock (_cleanedUp)
            {
                _cleanedUp.ExceptWith(dead);
            }

            _logger.DeadSilosUnregisterFailed(string.Join(", ", dead), exception);
        }
    }
}
