using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Grains.Placement;
using Cluster.Media.Model;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Runs the <see cref="PushOutput"/> of the session its point follows now. It stays active while it follows one (its
/// point holds it with the session) and goes when the point stops it. An output of an older session is not cancelled
/// when a new session starts: it ends by itself once its track reads show the session changed, as a follower does.
/// </summary>
[PointPlacement]
internal sealed class PushOutputGrain(TierHttp http, TimeProvider timeProvider, ILogger<PushOutput> logger) : Grain, IPushOutputGrain
{
    private PushOutput? _output;
    private PushSession? _session;
    private long _epoch;

    public Task FollowAsync(PushSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Epoch < _epoch || (session == _session && _output is not null))
        {
            return Task.CompletedTask;
        }

        var (point, url) = TierGrainKey.Parse(this.GetPrimaryKeyString());
        (_epoch, _session) = (session.Epoch, session);
        _output = new PushOutput(url, point, session, GrainFactory, http, timeProvider, logger);
        DelayDeactivation(TimeSpan.MaxValue);
        return Task.CompletedTask;
    }

    public Task AddTrackAsync(long epoch, string trackKey, TrackInfo info)
    {
        if (epoch == _epoch)
        {
            _output?.OnTrackAdded(trackKey, info);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(long epoch)
    {
        if (epoch >= _epoch && _output is { } output)
        {
            _output = null;
            await output.DisposeAsync();
            DeactivateOnIdle();
        }
    }

    public Task<PushOutputStatus?> GetStatusAsync() => Task.FromResult(_output?.Status);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_output is { } output)
        {
            _output = null;
            await output.DisposeAsync();
        }
    }
}
