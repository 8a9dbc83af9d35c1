namespace Cluster.Contracts.Tiers;

/// <summary>HTTP headers servers of different tiers exchange besides the Smooth push format itself.</summary>
public static class TierHeaders
{
    /// <summary>The sending (push) or answering (pull) point's session id: a change tells the tier below of a restart.</summary>
    public const string Session = "Cluster-Session";

    /// <summary>The event id of the upstream session, when it has one.</summary>
    public const string EventId = "Cluster-Event-Id";

    /// <summary>
    /// The session's wall clock, the UTC time of media time 0 (<see cref="PublishingPoints.SessionAnchor.Format"/>):
    /// decided once where the stream entered, so every tier's manifests carry the same times.
    /// </summary>
    public const string Anchor = "Cluster-Anchor";

    /// <summary>The upstream point's state (a <see cref="PublishingPoints.PublishingPointState"/> name).</summary>
    public const string State = "Cluster-State";
}
