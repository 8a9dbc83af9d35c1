using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Grains.Placement;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Runs a point's <see cref="IPullInput"/> beside the point. The input runs outside this grain's turns (it calls the
/// point, which may be calling this grain), so starting and stopping return at once; it stays active while it runs.
/// </summary>
[PointPlacement]
internal sealed class PullInputGrain(PullInputFactory factory) : Grain, IPullInputGrain
{
    private IPullInput? _input;

    public Task StartAsync(PullInputSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_input is { } running && running.Settings.SameAs(settings))
        {
            return Task.CompletedTask;
        }

        // The previous run is cancelled without waiting: it may be in a call to the point, which waits for this turn.
        Cancel();
        _input = factory.Start(TierGrainKey.Parse(this.GetPrimaryKeyString()).PointPath, settings);
        DelayDeactivation(TimeSpan.MaxValue);
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        if (Cancel())
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    public Task<PullInputStatus?> GetStatusAsync() => Task.FromResult(_input?.Status);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Cancels the run, if any, without waiting for it; true when there was one.</summary>
    private bool Cancel()
    {
        if (_input is not { } input)
        {
            return false;
        }

        _input = null;
        _ = input.DisposeAsync().AsTask();
        return true;
    }
}
