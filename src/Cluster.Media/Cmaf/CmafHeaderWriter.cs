using System.Text;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Cmaf;

/// <summary>
/// Writes a CMAF header (ISO/IEC 23000-19 7.3.1): <c>ftyp</c> and a <c>moov</c> describing one track with an empty
/// sample table and a <c>trex</c>, the init segment of HLS EXT-X-MAP and DASH SegmentTemplate@initialization.
/// </summary>
public static class CmafHeaderWriter
{
    /// <summary>
    /// ftyp brands. Major <c>iso6</c> with compatible <c>iso6</c>, <c>cmfc</c>, <c>dash</c>: CMAF (23000-19 7.2)
    /// requires a CMAF structural brand in the header's compatible brands and leaves the major brand free; <c>cmfc</c>
    /// rather than <c>cmf2</c> because cmf2 demands negative composition offsets (trun v1) in every video fragment and
    /// we keep the encoder's offsets as they are. <c>iso6</c> covers tfdt and trun version 1 (14496-12 brand table) and
    /// is what shaka-packager and ffmpeg's CMAF mode write; <c>dash</c> lets DASH-only tools (DASH-IF IOP 3.2.2) accept it.
    /// </summary>
    private static readonly uint[] CompatibleBrands = [FourCC.Of("iso6"), FourCC.Of("cmfc"), FourCC.Of("dash")];

    private static readonly uint MajorBrand = FourCC.Of("iso6");

    /// <summary>Writes the CMAF header of <paramref name="track"/> with the given track_ID (the one segments carry in tfhd).</summary>
    public static byte[] Write(TrackInfo track, uint trackId = 1)
    {
        ArgumentNullException.ThrowIfNull(track);
        var writer = new BoxWriter(1024);
        Write(writer, track, trackId);
        return writer.ToArray();
    }

    /// <summary>Writes the CMAF header into <paramref name="writer"/>.</summary>
    public static void Write(BoxWriter writer, TrackInfo track, uint trackId = 1)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(track);
        if (track.Kind is not (TrackKind.Video or TrackKind.Audio))
        {
            throw new MediaFormatException($"Track '{track.Name}' is {track.Kind}; only video and audio have CMAF headers here.");
        }

        if (track.Timescale is <= 0 or > uint.MaxValue)
        {
            throw new MediaFormatException($"Track '{track.Name}' has the timescale {track.Timescale}.");
        }

        // Resolve the sample entry first so bad codec data fails before anything is written.
        var entry = SampleEntry.ForTrack(track);
        var timescale = (uint)track.Timescale;

        var ftyp = writer.StartBox(FourCC.Ftyp);
        writer.WriteUInt32(MajorBrand);
        writer.WriteUInt32(0);
        foreach (var brand in CompatibleBrands)
        {
            writer.WriteUInt32(brand);
        }

        writer.EndBox(ftyp);

        var moov = writer.StartBox(FourCC.Moov);
        WriteMvhd(writer, timescale, trackId);
        var trak = writer.StartBox(FourCC.Trak);
        WriteTkhd(writer, track, entry, trackId);
        var mdia = writer.StartBox(FourCC.Mdia);
        WriteMdhd(writer, timescale, track.Language);
        WriteHdlr(writer, track);
        var minf = writer.StartBox(FourCC.Minf);
        if (track.Kind == TrackKind.Video)
        {
            var vmhd = writer.StartFullBox(FourCC.Vmhd, 0, 1); // flags 1 is mandated by 14496-12 12.1.2
            writer.WriteZeros(8); // graphicsmode + opcolor
            writer.EndBox(vmhd);
        }
        else
        {
            var smhd = writer.StartFullBox(FourCC.Smhd, 0, 0);
            writer.WriteUInt32(0); // balance + reserved
            writer.EndBox(smhd);
        }

        var dinf = writer.StartBox(FourCC.Dinf);
        var dref = writer.StartFullBox(FourCC.Dref, 0, 0);
        writer.WriteUInt32(1);
        writer.EndBox(writer.StartFullBox(FourCC.Of("url "), 0, 1)); // flags 1: media in this file
        writer.EndBox(dref);
        writer.EndBox(dinf);
        var stbl = writer.StartBox(FourCC.Stbl);
        var stsd = writer.StartFullBox(FourCC.Stsd, 0, 0);
        writer.WriteUInt32(1);
        entry.Write(writer);
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

        var mvex = writer.StartBox(FourCC.Mvex);
        var trex = writer.StartFullBox(FourCC.Trex, 0, 0);
        writer.WriteUInt32(trackId);
        writer.WriteUInt32(1); // default_sample_description_index
        writer.WriteUInt32(0); // default duration, size and flags: every trun carries its own
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.EndBox(trex);
        writer.EndBox(mvex);
        writer.EndBox(moov);
    }

    private static void WriteMvhd(BoxWriter writer, uint timescale, uint trackId)
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
        writer.WriteUInt32(trackId + 1); // next_track_ID
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

    private static void WriteHdlr(BoxWriter writer, TrackInfo track)
    {
        var hdlr = writer.StartFullBox(FourCC.Hdlr, 0, 0);
        writer.WriteUInt32(0); // pre_defined
        writer.WriteUInt32(track.Kind == TrackKind.Video ? FourCC.Vide : FourCC.Soun);
        writer.WriteZeros(12);
        var name = track.Kind == TrackKind.Video ? "VideoHandler" : "SoundHandler";
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
