using System.Collections.Concurrent;
using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Tests.Cluster;

public interface IPlacedGrain : IGrainWithStringKey
{
    /// <summary>The silo running this activation and the call's number on it (1, 2, ... per activation).</summary>
    Task<Visit> VisitAsync();
}

/// <summary>Where a call ran and its number on that activation.</summary>
public sealed record Visit(string Silo, int Call);

public interface IPlacedChildGrain : IGrainWithStringKey
{
    Task<string> WhereAsync();
}

/// <summary>
/// Counts live activations per grain across every silo of the process (the test cluster runs in one process), so a
/// test can see whether two activations of one grain ever ran at the same time.
/// </summary>
public sealed class ActivationLedger
{
    private readonly ConcurrentDictionary<string, int> _live = new();
    private readonly ConcurrentDictionary<string, int> _max = new();

    /// <summary>The most activations of one grain whose key starts with <paramref name="prefix"/> that were live at once.</summary>
    public int MaxConcurrent(string prefix) => _max.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Value).DefaultIfEmpty().Max();

    /// <summary>Activations of grains whose key starts with <paramref name="prefix"/> made so far.</summary>
    public int Live(string prefix) => _live.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value);

    public void Activated(string key)
    {
        lock (_max)
        {
            var live = _live.AddOrUpdate(key, 1, (_, n) => n + 1);
            _max[key] = Math.Max(_max.GetValueOrDefault(key), live);
        }
    }

    public void Deactivated(string key)
    {
        lock (_max)
        {
            _live.AddOrUpdate(key, 0, (_, n) => n - 1);
        }
    }
}

internal sealed class PlacedGrain(IClusterMembership membership, ActivationLedger ledger) : Grain, IPlacedGrain
{
    private int _calls;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ledger.Activated(PrimaryKey);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ledger.Deactivated(PrimaryKey);
        return Task.CompletedTask;
    }

    public async Task<Visit> VisitAsync()
    {
        var before = _calls;
        await Task.Yield(); // a real await inside the turn: another call must still not run in between
        _calls = before + 1;
        return new Visit(membership.LocalSilo.ToString(), _calls);
    }
}

[ColocatedPlacement(typeof(PlacedGrain))]
internal sealed class PlacedChildGrain(IClusterMembership membership) : Grain, IPlacedChildGrain
{
    public Task<string> WhereAsync() => Task.FromResult(membership.LocalSilo.ToString());
}
