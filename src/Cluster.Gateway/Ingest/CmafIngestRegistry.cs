using System.Collections.Concurrent;
using Cluster.Media.CmafIngest;
using Cluster.Media.Model;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// What this gateway knows of the CMAF tracks pushed to it: each track's header, session epoch and track grain,
/// keyed by publishing point and track key, so the segment requests that follow a header can be resolved and stored.
/// </summary>
internal sealed class CmafIngestRegistry
{
    private readonly ConcurrentDictionary<(string Point, string Track), CmafTrackSession> _sessions = new();
    private readonly Dictionary<(string Point, string Track), (string Name, int Bitrate)> _published = [];
    private readonly Lock _publishedGate = new();

    public CmafTrackSession? Find(string point, string trackKey) =>
        _sessions.TryGetValue((point, trackKey), out var session) ? session : null;

    public void Register(CmafTrackSession session) => _sessions[(session.Point, session.TrackKey)] = session;

    /// <summary>Forgets a session unless a newer header has replaced it meanwhile.</summary>
    public bool Remove(CmafTrackSession session) =>
        _sessions.TryRemove(KeyValuePair.Create((session.Point, session.TrackKey), session));

    /// <summary>
    /// The bitrate the track is published under. Track grains are keyed by name and bitrate, so two tracks of one
    /// point must not share both: a missing bitrate (no btrt, no esds average) or a clash moves to the next free
    /// number, and a track key keeps its number across encoder restarts.
    /// </summary>
    public int ReserveBitrate(string point, string trackKey, TrackInfo track)
    {
        lock (_publishedGate)
        {
            var used = new HashSet<int>();
            foreach (var ((otherPoint, otherKey), (name, bitrate)) in _published)
            {
                if (otherPoint == point && otherKey != trackKey && name == track.Name)
                {
                    used.Add(bitrate);
                }
            }

            var candidate = Math.Max(track.Bitrate, 1);
            while (used.Contains(candidate))
            {
                candidate++;
            }

            _published[(point, trackKey)] = (track.Name, candidate);
            return candidate;
        }
    }

    /// <summary>Drops a reservation that was refused, so it does not hold a bitrate.</summary>
    public void ReleaseBitrate(string point, string trackKey)
    {
        lock (_publishedGate)
        {
            _published.Remove((point, trackKey));
        }
    }
}

/// <summary>One admitted CMAF track.</summary>
/// <param name="Point">Publishing point path.</param>
/// <param name="TrackKey">The request's track key (see <see cref="CmafTrackKey"/>).</param>
/// <param name="ConnectionId">The connection id the point knows the track by.</param>
/// <param name="Header">The parsed CMAF header.</param>
/// <param name="Track">The track as published (bitrate made unique).</param>
/// <param name="Epoch">The point's session the track was admitted to.</param>
/// <param name="TrackGrainKey">The track grain storing its fragments.</param>
internal sealed record CmafTrackSession(string Point, string TrackKey, string ConnectionId, CmafHeader Header, TrackInfo Track, long Epoch, string TrackGrainKey)
{
    /// <summary>Whether the point's session has its wall clock (or this track has offered one); until then each segment offers it.</summary>
    public bool Anchored { get; set; }
}
