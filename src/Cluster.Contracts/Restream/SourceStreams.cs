namespace Cluster.Contracts.Restream;

/// <summary>
/// What a node answers a restreamer on <c>GET /cluster/streams</c> (asked with a cluster-key signature): its streams, running
/// ones as <see cref="SourceStream.Static"/>, configured on-demand ones as <see cref="SourceStream.OnDemand"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SourceStreamList([property: Id(0)] SourceStream[] Streams)
{
    /// <summary>The path of the listing, beside a node's base URL.</summary>
    public const string Path = "/cluster/streams";
}

/// <summary>
/// One stream of a source: its point path (the name it is restreamed under), kind, state, DVR, and whether players need
/// playback authorization for it at the source (then they do on the restreamer too).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SourceStream(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] string State,
    [property: Id(3)] string? SessionId,
    [property: Id(4)] TimeSpan DvrWindowLength,
    [property: Id(5)] SourceTrack[] Tracks,
    [property: Id(6)] bool Protected = false)
{
    /// <summary>Running (live, or stopped and serving its recording): pulled continuously.</summary>
    public const string Static = "static";

    /// <summary>Started by the first viewer, stopped when idle.</summary>
    public const string OnDemand = "ondemand";
}

/// <summary>One track of a source's stream and the DVR it holds: media times in <see cref="Timescale"/> units.</summary>
[GenerateSerializer, Immutable]
public sealed record SourceTrack(
    [property: Id(0)] string Name,
    [property: Id(1)] int Bitrate,
    [property: Id(2)] string Kind,
    [property: Id(3)] long Timescale,
    [property: Id(4)] int Fragments,
    [property: Id(5)] long? FirstTime,
    [property: Id(6)] long? EndTime);
