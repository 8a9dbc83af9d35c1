using Cluster.Media.Boxes;
using Cluster.Media.Cmaf;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Writes the Smooth Streaming push format (MS-SSTR live ingest, what ffmpeg's <c>-f ismv -movflags
/// isml+frag_keyframe</c> sends, and the layout of an .ismv archive): header boxes, fragments, mfra.
/// </summary>
public static class SmoothStreamWriter
{
    /// <summary>The presentation timescale of Smooth; only the mvhd's zero durations are in it.</summary>
    private const uint MovieTimescale = 10_000_000;

    /// <summary>ffmpeg's ismv minor version; informative only (14496-12 4.3).</summary>
    private const uint MinorVersion = 0x200;

    /// <summary>
    /// Major <c>isml</c> with compatible <c>isml</c> and <c>piff</c>, what ffmpeg's ismv muxer writes and IIS expects of
    /// a live push, plus <c>iso2</c> so generic ISO-BMFF tools know the boxes are plain 14496-12 ones.
    /// </summary>
    private static readonly uint[] CompatibleBrands = [FourCC.Of("isml"), FourCC.Of("piff"), FourCC.Of("iso2")];

    private static readonly uint MajorBrand = FourCC.Of("isml");

    /// <summary>The empty 8-byte mfra that ends a live push.</summary>
    public static ReadOnlySpan<byte> EmptyMfra => [0x00, 0x00, 0x00, 0x08, 0x6D, 0x66, 0x72, 0x61];

    /// <summary>
    /// ftyp, the live server manifest uuid box (see <see cref="LiveServerManifestWriter"/>) and a moov with one trak per
    /// track (track_ID = index + 1, in list order, each track's own timescale, empty sample tables, a trex per track).
    /// Deterministic: the same tracks give byte-identical output, so a reconnecting push resends identical header boxes.
    /// </summary>
    /// <exception cref="MediaFormatException">A track's codec data or timescale cannot be written.</exception>
    public static byte[] WriteHeader(IReadOnlyList<TrackInfo> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        if (tracks.Count == 0)
        {
            throw new ArgumentException("A Smooth stream needs at least one track.", nameof(tracks));
        }

        // Resolve every track first so bad codec data fails before anything is written.
        var resolved = new MovieTrack[tracks.Count];
        for (var i = 0; i < resolved.Length; i++)
        {
            resolved[i] = MovieTrack.Resolve(tracks[i], (uint)(i + 1));
        }

        var writer = new BoxWriter(2048 + (1024 * resolved.Length));
        var ftyp = writer.StartBox(FourCC.Ftyp);
        writer.WriteUInt32(MajorBrand);
        writer.WriteUInt32(MinorVersion);
        foreach (var brand in CompatibleBrands)
        {
            writer.WriteUInt32(brand);
        }

        writer.EndBox(ftyp);
        LiveServerManifestWriter.Write(writer, resolved);
        MovieBoxWriter.Write(writer, resolved, MovieTimescale);
        return writer.ToArray();
    }

    /// <summary>
    /// Writes a moof (mfhd, then one traf with tfhd, trun and a tfxd carrying the fragment's time and duration; no tfrf,
    /// as encoders send none) and the 8-byte mdat header. The caller writes <see cref="Fragment.Data"/> right after it.
    /// </summary>
    /// <param name="writer">Receives the bytes.</param>
    /// <param name="fragment">The fragment.</param>
    /// <param name="trackId">tfhd track_ID: the track's position in the header's list plus one.</param>
    /// <param name="sequenceNumber">mfhd sequence number; encoders count it across all tracks of one push.</param>
    public static void WriteFragmentHeader(BoxWriter writer, Fragment fragment, uint trackId, uint sequenceNumber) =>
        SmoothFragmentWriter.WriteHeader(writer, fragment, trackId, sequenceNumber, [], live: false);

    /// <summary>
    /// A full mfra for a finished file (ISO/IEC 14496-12 8.8.9-8.8.11): one tfra (version 1, 64-bit time and offset,
    /// one-byte traf/trun/sample numbers, all 1: each Smooth moof has one traf, one trun, and starts with a sync sample)
    /// per track, then an mfro holding the mfra's size so readers find it from the end of the file.
    /// </summary>
    /// <param name="tracks">Per track, each fragment's time (in the track's timescale) and the file offset of its moof.</param>
    public static byte[] WriteMfra(IReadOnlyList<MfraTrack> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var entries = 0;
        foreach (var track in tracks)
        {
            ArgumentNullException.ThrowIfNull(track);
            ArgumentNullException.ThrowIfNull(track.Entries, nameof(tracks));
            entries += track.Entries.Count;
        }

        var writer = new BoxWriter(64 + (32 * tracks.Count) + (19 * entries));
        var mfra = writer.StartBox(FourCC.Mfra);
        foreach (var track in tracks)
        {
            var tfra = writer.StartFullBox(FourCC.Tfra, 1, 0);
            writer.WriteUInt32(track.TrackId);
            writer.WriteUInt32(0); // reserved, then length_size_of_traf_num, _trun_num and _sample_num all 0: one byte each
            writer.WriteUInt32((uint)track.Entries.Count);
            foreach (var entry in track.Entries)
            {
                if (entry.MoofOffset < 0)
                {
                    throw new ArgumentException($"Track {track.TrackId} has a moof at the negative offset {entry.MoofOffset}.", nameof(tracks));
                }

                // A time before zero (AAC priming) is written the way tfxd carries it: as its 64-bit two's complement.
                writer.WriteUInt64(unchecked((ulong)entry.Time));
                writer.WriteUInt64((ulong)entry.MoofOffset);
                writer.WriteByte(1); // traf_number
                writer.WriteByte(1); // trun_number
                writer.WriteByte(1); // sample_number
            }

            writer.EndBox(tfra);
        }

        var mfro = writer.StartFullBox(FourCC.Mfro, 0, 0);
        writer.WriteUInt32((uint)(writer.Length + 4 - mfra));
        writer.EndBox(mfro);
        writer.EndBox(mfra);
        return writer.ToArray();
    }
}

/// <summary>The random access entries of one track, for <see cref="SmoothStreamWriter.WriteMfra"/>.</summary>
/// <param name="TrackId">tfra track_ID.</param>
/// <param name="Entries">One entry per fragment, in time order.</param>
public sealed record MfraTrack(uint TrackId, IReadOnlyList<MfraEntry> Entries);

/// <summary>One fragment in a tfra.</summary>
/// <param name="Time">The fragment's decode time, in the track's timescale.</param>
/// <param name="MoofOffset">File offset of the fragment's moof box.</param>
public readonly record struct MfraEntry(long Time, long MoofOffset);
