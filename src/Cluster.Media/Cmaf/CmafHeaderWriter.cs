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

        // Resolve the track first so a bad timescale or bad codec data fails before anything is written.
        var movieTrack = MovieTrack.Resolve(track, trackId);

        var ftyp = writer.StartBox(FourCC.Ftyp);
        writer.WriteUInt32(MajorBrand);
        writer.WriteUInt32(0);
        foreach (var brand in CompatibleBrands)
        {
            writer.WriteUInt32(brand);
        }

        writer.EndBox(ftyp);
        MovieBoxWriter.Write(writer, [movieTrack], movieTrack.Timescale);
    }
}
