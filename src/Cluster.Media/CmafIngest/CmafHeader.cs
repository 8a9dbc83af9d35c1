using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.CmafIngest;

/// <summary>
/// A CMAF header (DASH-IF Live Media Ingest interface 1 init segment: optional ftyp, then moov) for exactly one track,
/// with the moov's fragment defaults that its segments are resolved against.
/// </summary>
/// <param name="Track">The one track the header describes.</param>
/// <param name="Movie">The parsed moov (timescale, trex defaults).</param>
/// <param name="Ftyp">The whole ftyp box; empty when the header had none.</param>
/// <param name="Moov">The whole moov box.</param>
/// <param name="Length">Bytes of the body up to the end of the moov; anything after it is media.</param>
public sealed record CmafHeader(TrackInfo Track, MovieBox Movie, ReadOnlyMemory<byte> Ftyp, ReadOnlyMemory<byte> Moov, int Length);

/// <summary>One CMAF segment (all its chunks) resolved against its header.</summary>
/// <param name="Fragment">The segment's samples as one fragment; null when it carries no sample (an end-of-stream marker, or only AAC priming before time zero).</param>
/// <param name="SequenceNumber">mfhd sequence number of the segment's first moof; 0 without a moof.</param>
/// <param name="ChunkCount">How many moof/mdat pairs the segment had.</param>
/// <param name="IsLast">Whether the segment ends the track: <c>lmsg</c> brand in its styp, or an mfra box.</param>
public sealed record CmafSegment(Fragment? Fragment, uint SequenceNumber, int ChunkCount, bool IsLast)
{
    /// <summary>The UTC time of the track's media time 0 by the segment's prft, when it has one for this track: the encoder's own wall clock.</summary>
    public DateTimeOffset? ProducerAnchor { get; init; }
}

/// <summary>
/// Media that is well-formed ISO-BMFF but that the origin cannot take (encrypted, unknown codec, no playable track);
/// DASH-IF Live Media Ingest answers it with 415 Unsupported Media Type.
/// </summary>
public sealed class UnsupportedMediaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedMediaException(string message)
        : base(message)
    {
    }
}
