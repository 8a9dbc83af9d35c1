using Orleans.Concurrency;

namespace Cluster.Contracts.Restream;

/// <summary>
/// One configured restreaming source (key: its name): reads the source's stream list every refresh interval, applies
/// its <c>Only</c>/<c>Except</c> rules, and reports the streams to the <see cref="IRestreamGrain"/>.
/// </summary>
public interface IRestreamSourceGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain (and with it its refresh timer); every silo calls it now and then, so a silo's death does not end it.</summary>
    [AlwaysInterleave]
    Task EnsureRunningAsync();

    /// <summary>What the source last listed and how reading it went.</summary>
    [AlwaysInterleave]
    Task<RestreamSourceStatus> GetStatusAsync();
}

/// <summary>
/// The restreamer of this cluster (key <see cref="Key"/>): merges the sources' lists (one stream with several URLs when
/// several sources have it) and keeps a publishing point per stream, with a pull input from the sources, configured as
/// the source says; a local point of the same name wins; a stream no source lists any more is removed.
/// </summary>
public interface IRestreamGrain : IGrainWithStringKey
{
    /// <summary>The one key.</summary>
    public const string Key = "restream";

    /// <summary>A source's visible streams, their kinds already decided by its rules.</summary>
    Task ReportAsync(string source, SourceStream[] streams);

    /// <summary>The points made for the sources' streams, and those a local point shadows.</summary>
    [AlwaysInterleave]
    Task<RestreamStatus> GetStatusAsync();
}

/// <summary>A source's state, for <c>GET /admin/restream</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record RestreamSourceStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string[] Urls,
    [property: Id(2)] string? AnsweredUrl,
    [property: Id(3)] DateTimeOffset? LastRead,
    [property: Id(4)] string? LastError,
    [property: Id(5)] RestreamedStream[] Streams);

/// <summary>A stream the restreamer takes from a source, and how (<see cref="SourceStream.Static"/> or <see cref="SourceStream.OnDemand"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record RestreamedStream([property: Id(0)] string Name, [property: Id(1)] string Kind);

/// <summary>The restreamer's points.</summary>
[GenerateSerializer, Immutable]
public sealed record RestreamStatus(
    [property: Id(0)] RestreamedPoint[] Points,
    [property: Id(1)] string[] Shadowed);

/// <summary>A point made for a stream: its kind and the URLs it pulls from, in the order they are tried.</summary>
[GenerateSerializer, Immutable]
public sealed record RestreamedPoint(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] string[] Urls);
