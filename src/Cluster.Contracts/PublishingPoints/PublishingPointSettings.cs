
namespace Cluster.Contracts.PublishingPoints;

/// <summary>Per-point settings, from configuration or the admin API; persisted so a restarted node has them.</summary>
[GenerateSerializer, Immutable]
public sealed record PublishingPointSettings
{
    /// <summary>How much of the past stays available (and listed) while live; <see cref="TimeSpan.Zero"/> keeps the whole event. Default 30 minutes.</summary>
    [Id(0)]
    public TimeSpan DvrWindowLength { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How many following fragments each served fragment announces (Smooth tfrf); default 2, as IIS.</summary>
    [Id(1)]
    public int LookaheadCount { get; init; } = 2;

    /// <summary>Whether an encoder connecting to a Stopped point starts a fresh session instead of being refused. Default false, as IIS.</summary>
    [Id(2)]
    public bool RestartOnEncoderReconnect { get; init; }

    /// <summary>The event the point is publishing; an encoder announcing another event id starts a fresh session. Default none.</summary>
    [Id(3)]
    public string? EventId { get; init; }

    /// <summary>
    /// Downstream publishing point URLs (e.g. <c>http://origin-a:8080/live/event1.isml</c>) each track is pushed to in
    /// the Smooth push format, one POST per track. Default none.
    /// </summary>
    [Id(4)]
    public string[] PushOutputs { get; init; } = [];

    /// <summary>An upstream this point pulls its stream from instead of (or besides) encoders. Default none.</summary>
    [Id(5)]
    public PullInputSettings? PullInput { get; init; }

    /// <summary>Whether downstream servers may pull this point's tracks (<c>GET {point}.isml/Streams(...)</c>). Default true.</summary>
    [Id(6)]
    public bool AllowServerConnections { get; init; } = true;

    /// <summary>Live-to-VOD archive of every session. Default off.</summary>
    [Id(7)]
    public ArchiveSettings? Archive { get; init; }

    /// <summary>
    /// The restreaming source (<c>Cluster:Restream:Sources:{n}:Name</c>) this point was made for: the restreamer keeps
    /// its settings and removes it when no source lists the stream any more. Null (default) for a point of this node's own,
    /// which wins over a source's stream of the same name.
    /// </summary>
    [Id(8)]
    public string? RestreamedFrom { get; init; }

    /// <summary>
    /// Whether players need a playback token (and the on_play hook's consent) for this point, as for points under
    /// <c>Cluster:Security:Playback:ProtectedPaths</c>; a restreaming source's <c>ProtectPlayback</c> sets it on every
    /// stream taken from it. Default false: the paths decide.
    /// </summary>
    [Id(9)]
    public bool ProtectPlayback { get; init; }

    /// <summary>Checks the values; returns a reason fit for a 400 answer, or null.</summary>
    public string? Validate() =>
        DvrWindowLength < TimeSpan.Zero ? "DvrWindowLength must not be negative."
        : LookaheadCount is < 0 or > 16 ? "LookaheadCount must be between 0 and 16."
        : EventId is { Length: > 128 } ? "EventId must be at most 128 characters."
        : PushOutputs is null ? "PushOutputs must be a list (it may be empty)."
        : PushOutputs.Length > 16 ? "At most 16 PushOutputs."
        : PushOutputs.Select(PublishingPointUrl.Validate).FirstOrDefault(r => r is not null) is { } pushReason ? $"PushOutputs: {pushReason}"
        : PullInput?.Validate() is { } pullReason ? $"PullInput: {pullReason}"
        : Archive?.Validate() is { } archiveReason ? $"Archive: {archiveReason}"
        : RestreamedFrom is { Length: 0 or > 64 } ? "RestreamedFrom must be 1 to 64 characters when given."
        : null;
}

/// <summary>Where a point pulls its stream from: a primary URL and ordered backups, with the retry rule between them.</summary>
[GenerateSerializer, Immutable]
public sealed record PullInputSettings
{
    /// <summary>Upstream publishing point URLs (e.g. <c>http://origin-a:8080/live/event1.isml</c>): the primary first, then the backups in the order they are tried.</summary>
    [Id(0)]
    public string[] Urls { get; init; } = [];

    /// <summary>How many times a broken or failing upstream is retried before the next URL is tried. Default 2.</summary>
    [Id(1)]
    public int RetryCount { get; init; } = 2;

    /// <summary>Delay before each retry of the same URL. Default 1 second.</summary>
    [Id(2)]
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>An upstream that sends nothing (not even a new fragment) for this long is treated as broken. Default 10 seconds.</summary>
    [Id(3)]
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <see cref="PullMode.Stream"/> (default) reads an upstream of this product through its pull endpoint;
    /// <see cref="PullMode.Manifest"/> polls a standard Smooth origin's client manifest and fetches new fragments.
    /// </summary>
    [Id(4)]
    public PullMode Mode { get; init; } = PullMode.Stream;

    /// <summary>
    /// Whether the input runs only while viewers ask for the point (Flussonic's <c>ondemand</c>): the first manifest
    /// request starts it and waits for the first fragments; <see cref="IdleTimeout"/> after the last request the input
    /// stops and the point drops its DVR. Default false: the input runs from the moment the point exists.
    /// </summary>
    [Id(5)]
    public bool OnDemand { get; init; }

    /// <summary>How long an <see cref="OnDemand"/> input keeps running without a viewer request. Default 30 seconds.</summary>
    [Id(6)]
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <paramref name="other"/> holds the same values (records compare arrays by reference).</summary>
    public bool SameAs(PullInputSettings? other) =>
        other is not null && Urls.SequenceEqual(other.Urls) && this with { Urls = [] } == other with { Urls = [] };

    /// <summary>Checks the values; returns a reason, or null.</summary>
    public string? Validate() =>
        Urls is null || Urls.Length == 0 ? "Urls needs at least one upstream URL."
        : Urls.Length > 16 ? "At most 16 Urls."
        : Urls.Select(PublishingPointUrl.Validate).FirstOrDefault(r => r is not null) is { } reason ? reason
        : RetryCount is < 0 or > 100 ? "RetryCount must be between 0 and 100."
        : RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(5) ? "RetryDelay must be between 0 and 5 minutes."
        : StallTimeout < TimeSpan.FromMilliseconds(100) || StallTimeout > TimeSpan.FromMinutes(10) ? "StallTimeout must be between 100 ms and 10 minutes."
        : !Enum.IsDefined(Mode) ? "Mode must be Stream or Manifest."
        : IdleTimeout < TimeSpan.FromSeconds(1) || IdleTimeout > TimeSpan.FromDays(1) ? "IdleTimeout must be between 1 second and 1 day."
        : null;
}

/// <summary>How a pull input reads its upstream.</summary>
public enum PullMode
{
    /// <summary>A long-lived GET of the upstream's pull endpoint (this product): fragments arrive as they are made.</summary>
    Stream,

    /// <summary>Polls a standard Smooth origin's client manifest and GETs each new fragment (any IIS-compatible origin).</summary>
    Manifest,
}

/// <summary>Live-to-VOD archive settings of a point.</summary>
[GenerateSerializer, Immutable]
public sealed record ArchiveSettings
{
    /// <summary>Whether sessions are archived. Default true once the section is given.</summary>
    [Id(0)]
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Folder the archive is written under (<c>{Folder}/{point path}/{session}</c>), inside the node's data folder: a
    /// relative path of letters, digits, '-', '_', '.' and '/' with no '.' or '..' segment (an absolute folder or an escape
    /// is refused, since the admin API's callers must not choose where the server writes). Default <c>archive</c>.
    /// </summary>
    [Id(1)]
    public string Folder { get; init; } = "archive";

    /// <summary>Starts a new file every this long of media; <see cref="TimeSpan.Zero"/> (default) keeps one file per track and session.</summary>
    [Id(2)]
    public TimeSpan SegmentLength { get; init; }

    /// <summary>Checks the values; returns a reason, or null.</summary>
    public string? Validate() =>
        string.IsNullOrWhiteSpace(Folder) ? "Folder must be given."
        : DataFolderPath.Validate(Folder) is { } folderReason ? $"Folder: {folderReason}"
        : SegmentLength < TimeSpan.Zero ? "SegmentLength must not be negative."
        : SegmentLength > TimeSpan.Zero && SegmentLength < TimeSpan.FromSeconds(10) ? "SegmentLength must be zero (no rollover) or at least 10 seconds."
        : null;
}
