using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Grains.Sessions;
using Cluster.Media.Model;

namespace Cluster.Grains.Tiers;

/// <summary>One <see cref="IPushOutputGrain"/> per downstream URL in the point's settings, told to follow the session.</summary>
internal sealed class PushOutputFactory : ISessionFollowerFactory
{
    public async ValueTask<IReadOnlyList<ISessionFollower>> CreateAsync(PointSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var followed = new PushSession(session.Epoch, session.SessionId, session.EventId);
        var followers = new List<ISessionFollower>();
        foreach (var url in session.Settings.PushOutputs)
        {
            var grain = session.Grains.GetGrain<IPushOutputGrain>(TierGrainKey.Of(session.PointPath, PublishingPointUrl.For(url, session.PointPath)));
            await grain.FollowAsync(followed);
            followers.Add(new Follower(grain, session.Epoch));
        }

        return followers;
    }

    /// <summary>The point's handle on one push output grain for one session.</summary>
    private sealed class Follower(IPushOutputGrain grain, long epoch) : ISessionFollower
    {
        public ValueTask OnTrackAddedAsync(string trackKey, TrackInfo info) => new(grain.AddTrackAsync(epoch, trackKey, info));

        public async ValueTask<PushOutputStatus?> GetPushStatusAsync() => await grain.GetStatusAsync();

        public ValueTask DisposeAsync() => new(grain.StopAsync(epoch));
    }
}
