using System.Collections.Frozen;
using Cluster.Media.Boxes;
using Cluster.Media.Smooth;

namespace Cluster.Media.CmafIngest;

/// <summary>
/// Parses a CMAF header as DASH-IF Live Media Ingest interface 1 sends it: an optional ftyp, then the moov, with
/// free/skip/unknown boxes tolerated around them. Sizes are checked against the body and the limits before use.
/// </summary>
public static class CmafHeaderReader
{
    /// <summary>Sample entries the origin can serve; anything else (encv/enca, AC-3, text...) is unsupported media.</summary>
    private static readonly FrozenSet<string> SupportedFourCCs = FrozenSet.ToFrozenSet(["H264", "HEVC", "AACL", "AACH"], StringComparer.Ordinal);

    /// <summary>Reads the header at the start of <paramref name="body"/>.</summary>
    /// <param name="body">The request body, starting with ftyp or moov.</param>
    /// <param name="limits">Bounds on box sizes and track counts.</param>
    /// <exception cref="MediaFormatException">The header is malformed, or does not hold exactly one track.</exception>
    /// <exception cref="UnsupportedMediaException">The track is encrypted or of a codec the origin does not serve.</exception>
    public static CmafHeader Read(ReadOnlySpan<byte> body, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ReadOnlyMemory<byte> ftyp = default;
        var position = 0;
        while (position < body.Length)
        {
            if (!BoxReader.TryReadHeader(body[position..], position, limits.MaxHeaderBoxSize, allowToEnd: false, out var header))
            {
                throw new MediaFormatException($"The header ends with {body.Length - position} bytes at offset {position}, too few for a box header.");
            }

            if (header.Size > body.Length - position)
            {
                throw new MediaFormatException($"Box '{header.Name}' at offset {position} declares size {header.Size} but only {body.Length - position} bytes follow.");
            }

            var box = body.Slice(position, (int)header.Size);
            switch (header.Type)
            {
                case FourCC.Ftyp:
                    if (!ftyp.IsEmpty)
                    {
                        throw new MediaFormatException($"Second ftyp box at offset {position}.");
                    }

                    FileTypeBox.Read(box, position);
                    ftyp = box.ToArray();
                    break;
                case FourCC.Moov:
                    return ReadMoov(box, position, ftyp, limits);
                case FourCC.Moof or FourCC.Mdat or FourCC.Styp:
                    throw new MediaFormatException($"Box '{header.Name}' at offset {position} comes before the moov; a CMAF header is ftyp then moov.");
                default:
                    // free, skip, uuid and boxes of later editions carry nothing a track needs.
                    break;
            }

            position += (int)header.Size;
        }

        throw new MediaFormatException($"The body ended after {body.Length} bytes, before a moov box.");
    }

    private static CmafHeader ReadMoov(ReadOnlySpan<byte> box, int offset, ReadOnlyMemory<byte> ftyp, IngestLimits limits)
    {
        var movie = MovieBox.Read(box, offset, limits.MaxTracks);
        if (movie.Tracks.Length == 0)
        {
            throw new UnsupportedMediaException($"The moov at offset {offset} has no video, audio or text track (timed metadata tracks are not supported).");
        }

        // DASH-IF Live Media Ingest interface 1 carries one track per CMAF header; a multi-track moov is another format.
        if (movie.Tracks.Length > 1)
        {
            throw new MediaFormatException($"The moov at offset {offset} has {movie.Tracks.Length} tracks; a CMAF header describes exactly one.");
        }

        var track = movie.Tracks[0];
        if (track.FourCC is "ENCV" or "ENCA")
        {
            throw new UnsupportedMediaException($"Track {track.TrackId} is encrypted ({track.FourCC.ToLowerInvariant()} sample entry); push it in the clear.");
        }

        if (!SupportedFourCCs.Contains(track.FourCC))
        {
            throw new UnsupportedMediaException(
                $"Track {track.TrackId} has a '{track.FourCC.ToLowerInvariant()}' sample entry; supported are avc1/avc3 (H.264), hvc1/hev1 (HEVC) and mp4a (AAC).");
        }

        return new CmafHeader(track, movie, ftyp, box.ToArray(), offset + box.Length);
    }
}
