using Orleans.Concurrency;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>One publishing point (key: its path, e.g. <c>live/event1</c>): lifecycle, settings, encoder sessions, manifests.</summary>
public interface IPublishingPointGrain : IGrainWithStringKey
{
    /// <summary>Current status; never activates a point into existence.</summary>
    [AlwaysInterleave]
    Task<PublishingPointStatus> GetStatusAsync();

    /// <summary>
    /// The silo this activation runs on: where the point's tracks are placed, so building a manifest reads their
    /// timelines in process. Interleaves, because a track's placement asks it while the point is calling that track.
    /// </summary>
    [AlwaysInterleave]
    Task<SiloAddress> GetSiloAsync();

    /// <summary>Creates the point if needed and applies settings (admin API or configuration).</summary>
    Task<PublishingPointStatus> ConfigureAsync(PublishingPointSettings settings);

    /// <summary>Operator start: Idle/Stopped/Shutdown to Starting (waiting for an encoder).</summary>
    Task<PublishingPointStatus> StartAsync();

    /// <summary>Operator stop: ends the session; the DVR stays served.</summary>
    Task<PublishingPointStatus> StopAsync();

    /// <summary>Operator shutdown: drops the live session and its DVR.</summary>
    Task<PublishingPointStatus> ShutdownAsync();

    /// <summary>
    /// Deletes the point: stops its pull input, drops its session and DVR and forgets its stored settings (a restreamed
    /// stream its source no longer lists). A point from the configuration file comes back at the next activation.
    /// </summary>
    Task RemoveAsync();

    /// <summary>
    /// A viewer or a downstream server wants the point: an on-demand pull input (<see cref="PullInputSettings.OnDemand"/>)
    /// starts if it is not running, and its idle time starts again. Waits up to <paramref name="wait"/> for every track
    /// to have a fragment (an on-demand point only until its first fragments came); returns whether the point has
    /// something to serve.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> DemandAsync(TimeSpan wait);

    /// <summary>Whether a new encoder would be admitted (answers the zero-length probe POST).</summary>
    Task<IngestAdmission> ProbeIngestAsync(string? eventId, bool createIfMissing);

    /// <summary>Admits or refuses an encoder connection and binds its tracks to track grains.</summary>
    Task<IngestAdmission> OpenIngestAsync(IngestOpening opening, bool createIfMissing);

    /// <summary>
    /// Offers the session's wall clock, worked out from a connection's first fragment (<see cref="SessionAnchor.FromArrival"/>);
    /// the first offer of a session wins, and every track gets it. Returns the session's anchor, which may be an earlier one.
    /// </summary>
    Task<DateTimeOffset?> ProposeAnchorAsync(long sessionEpoch, DateTimeOffset anchor);

    /// <summary>An encoder connection ended.</summary>
    Task CloseIngestAsync(string connectionId, IngestEnd end);

    /// <summary>The manifest in the given format, built from the tracks' current timelines and cached until they change.</summary>
    [AlwaysInterleave]
    Task<ManifestDocument?> GetManifestAsync(ManifestFormat format);

    /// <summary>
    /// The HLS media playlist of one track (by stream name and bitrate), listing the same fragments as every other
    /// output, with CMAF segments (<see cref="ManifestFormat.Hls"/>) or MPEG-2 TS segments (<see cref="ManifestFormat.HlsTs"/>).
    /// </summary>
    [AlwaysInterleave]
    Task<ManifestDocument?> GetMediaPlaylistAsync(string trackName, int bitrate, ManifestFormat format);
}
