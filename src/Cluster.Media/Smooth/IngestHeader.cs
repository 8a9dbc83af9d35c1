using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>The header of a Smooth push body: the tracks, and the raw header boxes kept for re-sending downstream.</summary>
/// <param name="Tracks">The tracks, SMIL and moov merged, in moov order.</param>
/// <param name="Ftyp">The whole ftyp box; empty when the body had none.</param>
/// <param name="LiveManifest">The whole live server manifest uuid box; empty when the body had none.</param>
/// <param name="Moov">The whole moov box.</param>
public sealed record IngestHeader(ImmutableArray<TrackInfo> Tracks, ReadOnlyMemory<byte> Ftyp, ReadOnlyMemory<byte> LiveManifest, ReadOnlyMemory<byte> Moov);

/// <summary>One track fragment of a Smooth push body.</summary>
/// <param name="TrackId">The track (tfhd track_ID, as in the header's tracks).</param>
/// <param name="SequenceNumber">mfhd sequence number of the moof it came in.</param>
/// <param name="Fragment">Time, samples (defaults applied) and data.</param>
public sealed record IngestFragment(uint TrackId, uint SequenceNumber, Fragment Fragment);
