namespace Cluster.Contracts.PublishingPoints;

/// <summary>Lifecycle of a publishing point, with IIS Media Services' names and meanings.</summary>
public enum PublishingPointState
{
    /// <summary>Created, no session yet.</summary>
    Idle,

    /// <summary>Started by the operator; waiting for an encoder.</summary>
    Starting,

    /// <summary>An encoder session is live.</summary>
    Started,

    /// <summary>The last encoder connection is ending.</summary>
    Stopping,

    /// <summary>The session ended: the DVR is still served (as VOD) but a new encoder session is refused unless settings allow it.</summary>
    Stopped,

    /// <summary>The live session was dropped; nothing is served and encoders are refused until the point is started again.</summary>
    Shutdown,
}
