
namespace Cluster.Contracts.PublishingPoints;

/// <summary>What a point's pull input is doing, for the point's statistics.</summary>
/// <param name="ActiveUrl">The upstream currently read (or last tried).</param>
/// <param name="Connected">Whether a connection to it is open.</param>
/// <param name="Failovers">How many times the input moved to another URL.</param>
/// <param name="Retries">How many times it retried after a failure.</param>
/// <param name="FragmentsAdded">Fragments taken into the index.</param>
/// <param name="LastError">The last failure, in words.</param>
[GenerateSerializer, Immutable]
public sealed record PullInputStatus(string ActiveUrl, bool Connected, int Failovers, int Retries, long FragmentsAdded, string? LastError);

/// <summary>What one push output is doing, for the point's statistics.</summary>
/// <param name="Url">The downstream publishing point.</param>
/// <param name="ConnectedStreams">Tracks with an open POST.</param>
/// <param name="FragmentsSent">Fragments written to the downstream, resends included.</param>
/// <param name="FragmentsResent">Fragments sent again after a reconnect.</param>
/// <param name="FragmentsDropped">Fragments skipped because the downstream fell further behind than the buffer allows.</param>
/// <param name="Reconnects">Connections made again after a failure.</param>
/// <param name="LastError">The last failure, in words.</param>
[GenerateSerializer, Immutable]
public sealed record PushOutputStatus(string Url, int ConnectedStreams, long FragmentsSent, long FragmentsResent, long FragmentsDropped, int Reconnects, string? LastError);
