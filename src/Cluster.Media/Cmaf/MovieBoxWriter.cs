using System.Text;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Cmaf;

/// <summary>A track ready for a moov: its description, its resolved sample entry and the track_ID it gets.</summary>
internal sealed class MovieTrack
{
    private MovieTrack(TrackInfo info, SampleEntry entry, uint trackId, uint timescale)
    {
        Info = info;
        Entry = entry;
        TrackId = trackId;
        Timescale = timescale;
    }

    public TrackInfo Info { get; }

    public SampleEntry Entry { get; }

    public uint TrackId { get; }

    public uint Timescale { get; }

    /// <summary>Checks the timescale and resolves the sample entry, so bad tracks fail before anything is written.</summary>
    public static MovieTrack Resolve(TrackInfo track, uint trackId)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.Timescale is <= 0 or > uint.MaxValue)
        {
            throw new MediaFormatException($"Track '{track.Name}' has the timescale {track.Timescale}.");
        }

        return new MovieTrack(track, SampleEntry.ForTrack(track), trackId, (uint)track.Timescale);
    }
}

/// <summary>
/// Writes a <c>moov</c> for fragmented media (14496-12 8.8.1): <c>mvhd</c>, one <c>trak</c> per track with an empty
/// sample table, and <c>mvex</c> with one <c>trex</c> per track. The one trak writer behind both CMAF headers and
/// Smooth push headers.
/// </summary>
internal static class MovieBoxWriter
{

    /// <summary>Writes the moov.</summary>
    /// <param name="writer">Receives the box.</param>
    /// <param name="tracks">The tracks, in trak order.</param>
    /// <param name="movieTimescale">mvhd timescale (only the zero durations use it).</param>
    public static void Write(BoxWriter writer, ReadOnlySpan<MovieTrack> tracks, uint movieTimescale)
    {
        uint lastTrackId = 0;
        foreach (var track in tracks)
        {
            lastTrackId = Math.Max(lastTrackId, track.TrackId);
        }

        var moov = writer.StartBox(FourCC.Moov);
        WriteMvhd(writer, movieTimescale, lastTrackId + 1);
        foreach (var track in tracks)
        {
            WriteTrak(writer, track);
        }

        var mvex = writer.StartBox(FourCC.Mvex);
        foreach (var track in tracks)
        {
            var trex = writer.StartFullBox(FourCC.Trex, 0, 0);
            writer.WriteUInt32(track.TrackId);
            writer.WriteUInt32(1); // default_sample_description_index
            writer.WriteUInt32(0); // default duration, size and flags: every trun carries its own
            writer.WriteUInt32(0);
            writer.WriteUInt32(0);
            writer.EndBox(trex);
        }

        writer.EndBox(mvex);
        writer.EndBox(moov);
    }

    /// <summary>
    /// ISO-639-2/T code packed as three 5-bit letters (each minus 0x60, 14496-12 8.4.2.3); anything that is not three
    /// letters (two-letter ISO 639-1 codes included) becomes <c>und</c>, the manifests still carry the original tag.
    /// </summary>
    internal static ushort PackLanguage(string? language)
    {
        var code = language?.ToLowerInvariant() ?? "und";
        if (code.Length != 3 || !IsLower(code[0]) || !IsLower(code[1]) || !IsLower(code[2]))
        {
            code = "und";
        }

        return (ushort)(((code[0] - 0x60) << 10) | ((code[1] - 0x60) << 5) | (code[2] - 0x60));

        static bool IsLower(char c) => c is >= 'a' and <= 'z';
    }

    private static void WriteTrak(BoxWriter writer, MovieTrack track)
    {
        var info = track.Info;
        var trak = writer.StartBox(FourCC.Trak);
        WriteTkhd(writer, info, track.Entry, track.TrackId);
        var mdia = writer.StartBox(FourCC.Mdia);
        WriteMdhd(writer, track.Timescale, info.Language);
        WriteHdlr(writer, info.Kind);
        var minf = writer.StartBox(FourCC.Minf);
        switch (info.Kind)
        {
            case TrackKind.Video:
                var vmhd = writer.StartFullBox(FourCC.Vmhd, 0, 1); // flags 1 is mandated by 14496-12 12.1.2
                writer.WriteZeros(8); // graphicsmode + opcolor
                writer.EndBox(vmhd);
                break;
            case TrackKind.Audio:
                var smhd = writer.StartFullBox(FourCC.Smhd, 0, 0);
                writer.WriteUInt32(0); // balance + reserved
                writer.EndBox(smhd);
                break;
            default:
                writer.EndBox(writer.StartFullBox(FourCC.Sthd, 0, 0)); // SubtitleMediaHeaderBox (14496-12 12.6.2) is empty
                break;
        }

        var dinf = writer.StartBox(FourCC.Dinf);
        var dref = writer.StartFullBox(FourCC.Dref, 0, 0);
        writer.WriteUInt32(1);
        writer.EndBox(writer.StartFullBox(FourCC.Url, 0, 1)); // flags 1: media in this file
        writer.EndBox(dref);
        writer.EndBox(dinf);
        var stbl = writer.StartBox(FourCC.Stbl);
        var stsd = writer.StartFullBox(FourCC.Stsd, 0, 0);
        writer.WriteUInt32(1);
        track.Entry.Write(writer);
        writer.EndBox(stsd);

        // Empty sample tables: every sample lives in movie fragments (14496-12 8.8.1).
        WriteEmptyTable(writer, FourCC.Stts);
        WriteEmptyTable(writer, FourCC.Stsc);
        var stsz = writer.StartFullBox(FourCC.Stsz, 0, 0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.EndBox(stsz);
        WriteEmptyTable(writer, FourCC.Stco);
        writer.EndBox(stbl);
        writer.EndBox(minf);
        writer.EndBox(mdia);
        writer.EndBox(trak);
    }

    private static void WriteMvhd(BoxWriter writer, uint timescale, uint nextTrackId)
    {
        var mvhd = writer.StartFullBox(FourCC.Mvhd, 0, 0);
        writer.WriteUInt32(0); // creation_time
        writer.WriteUInt32(0); // modification_time
        writer.WriteUInt32(timescale);
        writer.WriteUInt32(0); // duration: unknown for a live, fragmented presentation
        writer.WriteUInt32(0x00010000); // rate 1.0
        writer.WriteUInt16(0x0100); // volume 1.0
        writer.WriteZeros(10);
        WriteUnityMatrix(writer);
        writer.WriteZeros(24); // pre_defined
        writer.WriteUInt32(nextTrackId);
        writer.EndBox(mvhd);
    }

    private static void WriteTkhd(BoxWriter writer, TrackInfo track, SampleEntry entry, uint trackId)
    {
        var tkhd = writer.StartFullBox(FourCC.Tkhd, 0, 7); // enabled | in_movie | in_preview
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(trackId);
        writer.WriteUInt32(0); // reserved
        writer.WriteUInt32(0); // duration
        writer.WriteZeros(8);
        writer.WriteUInt16(0); // layer
        writer.WriteUInt16(0); // alternate_group
        writer.WriteUInt16(track.Kind == TrackKind.Audio ? (ushort)0x0100 : (ushort)0);
        writer.WriteUInt16(0);
        WriteUnityMatrix(writer);
        writer.WriteUInt32((uint)entry.Width << 16); // 16.16 fixed point
        writer.WriteUInt32((uint)entry.Height << 16);
        writer.EndBox(tkhd);
    }

    private static void WriteMdhd(BoxWriter writer, uint timescale, string? language)
    {
        var mdhd = writer.StartFullBox(FourCC.Mdhd, 0, 0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(timescale);
        writer.WriteUInt32(0);
        writer.WriteUInt16(PackLanguage(language));
        writer.WriteUInt16(0);
        writer.EndBox(mdhd);
    }

    private static void WriteHdlr(BoxWriter writer, TrackKind kind)
    {
        var hdlr = writer.StartFullBox(FourCC.Hdlr, 0, 0);
        writer.WriteUInt32(0); // pre_defined
        var (handler, name) = kind switch
        {
            TrackKind.Video => (FourCC.Vide, "VideoHandler"),
            TrackKind.Audio => (FourCC.Soun, "SoundHandler"),
            _ => (FourCC.Subt, "SubtitleHandler"),
        };
        writer.WriteUInt32(handler);
        writer.WriteZeros(12);
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(name.Length) + 1);
        var length = Encoding.UTF8.GetBytes(name, span);
        span[length] = 0;
        writer.Advance(length + 1);
        writer.EndBox(hdlr);
    }

    private static void WriteEmptyTable(BoxWriter writer, uint type)
    {
        var box = writer.StartFullBox(type, 0, 0);
        writer.WriteUInt32(0); // entry_count
        writer.EndBox(box);
    }

    private static void WriteUnityMatrix(BoxWriter writer)
    {
        writer.WriteUInt32(0x00010000);
        writer.WriteZeros(12);
        writer.WriteUInt32(0x00010000);
        writer.WriteZeros(12);
        writer.WriteUInt32(0x40000000);
    }
}
