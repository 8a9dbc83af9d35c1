namespace Cluster.Contracts.PublishingPoints;

/// <summary>Per-point settings, from configuration or the admin API.</summary>
public sealed record PublishingPointSettings
{
    /// <summary>How much of the past stays available (and listed) while live; <see cref="TimeSpan.Zero"/> keeps the whole event. Default 30 minutes.</summary>
    public TimeSpan DvrWindowLength { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How many following fragments each served fragment announces (Smooth tfrf); default 2, as IIS.</summary>
    public int LookaheadCount { get; init; } = 2;

    /// <summary>Whether an encoder connecting to a Stopped point starts a fresh session instead of being refused. Default false, as IIS.</summary>
    public bool RestartOnEncoderReconnect { get; init; }

    /// <summary>The event the point is publishing; an encoder announcing another event id starts a fresh session. Default none.</summary>
    public string? EventId { get; init; }

    /// <summary>Checks the values; returns a reason fit for a 400 answer, or null.</summary>
    public string? Validate() =>
        DvrWindowLength < TimeSpan.Zero ? "DvrWindowLength must not be negative."
        : LookaheadCount is < 0 or > 16 ? "LookaheadCount must be between 0 and 16."
        : EventId is { Length: > 128 } ? "EventId must be at most 128 characters."
        : null;
}
