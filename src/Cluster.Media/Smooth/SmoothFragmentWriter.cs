using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Writes the header of a Smooth fragment response (MS-SSTR 2.2.4): moof with mfhd and one traf (tfhd, trun, tfxd,
/// optional tfrf), then the mdat header. The caller sends <see cref="Fragment.Data"/> right after it, uncopied.
/// </summary>
public static class SmoothFragmentWriter
{
    /// <summary>Writes moof and the 8-byte mdat header for <paramref name="fragment"/> into <paramref name="writer"/>.</summary>
    /// <param name="writer">Receives the header; its written bytes are the response up to the media data.</param>
    /// <param name="fragment">The fragment.</param>
    /// <param name="trackId">tfhd track id.</param>
    /// <param name="sequenceNumber">mfhd sequence number.</param>
    /// <param name="lookahead">Fragments after this one, for tfrf (at most 255 are written).</param>
    /// <param name="live">
    /// Whether the stream is live: live fragments always carry a tfrf, empty at the live edge, because clients
    /// (dash.js among them) treat a live fragment without one as an error; finished streams carry none.
    /// </param>
    public static void WriteHeader(BoxWriter writer, Fragment fragment, uint trackId, uint sequenceNumber, ReadOnlySpan<TimelineEntry> lookahead, bool live = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(fragment);
        var moof = writer.StartBox(FourCC.Moof);

        var mfhd = writer.StartFullBox(FourCC.Mfhd, 0, 0);
        writer.WriteUInt32(sequenceNumber);
        writer.EndBox(mfhd);

        var traf = writer.StartBox(FourCC.Traf);
        var tfhd = writer.StartFullBox(FourCC.Tfhd, 0, 0);
        writer.WriteUInt32(trackId);
        writer.EndBox(tfhd);

        var dataOffsetPosition = TrackRunWriter.Write(writer, fragment.Samples.AsSpan());

        TfxdBox.Write(writer, fragment.Time, fragment.Duration);
        if (live || !lookahead.IsEmpty)
        {
            TfrfBox.Write(writer, lookahead);
        }

        writer.EndBox(traf);
        TrackRunWriter.EndFragment(writer, moof, dataOffsetPosition, fragment.Data.Length);
    }
}
