using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Sessions;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>One <see cref="PushOutput"/> per downstream URL in the point's settings.</summary>
internal sealed class PushOutputFactory(TierHttp http, TimeProvider timeProvider, ILogger<PushOutput> logger) : ISessionFollowerFactory
{
    public IEnumerable<ISessionFollower> Create(PointSession session) =>
        session.Settings.PushOutputs.Select(url => new PushOutput(PublishingPointUrl.For(url, session.PointPath), session, http, timeProvider, logger));
}
