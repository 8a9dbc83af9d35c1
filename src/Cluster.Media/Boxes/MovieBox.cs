using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Boxes;

/// <summary>What a moov says: its tracks (as far as the moov describes them) and each track's fragment defaults.</summary>
/// <param name="Timescale">mvhd timescale.</param>
/// <param name="Tracks">One entry per video, audio or text trak, in moov order.</param>
/// <param name="TrackExtends">The mvex/trex defaults, one per track that has them.</param>
public sealed record MovieBox(uint Timescale, ImmutableArray<TrackInfo> Tracks, ImmutableArray<TrackExtendsBox> TrackExtends)
{
    /// <summary>Parses a whole moov box (header included).</summary>
    /// <param name="box">The box bytes.</param>
    /// <param name="offset">Stream offset of the box, for messages.</param>
    /// <param name="maxTracks">Most traks accepted.</param>
    public static MovieBox Read(ReadOnlySpan<byte> box, long offset, int maxTracks = int.MaxValue) =>
        MovieBoxReader.Read(box, offset, maxTracks);

    /// <summary>The trex of a track, or null.</summary>
    public TrackExtendsBox? FindTrackExtends(uint trackId)
    {
        foreach (var trex in TrackExtends)
        {
            if (trex.TrackId == trackId)
            {
                return trex;
            }
        }

        return null;
    }
}

/// <summary>A trex box (ISO/IEC 14496-12 8.8.3): per-track sample defaults for movie fragments, read and written here.</summary>
public sealed record TrackExtendsBox(uint TrackId, uint DefaultSampleDescriptionIndex, uint DefaultSampleDuration, uint DefaultSampleSize, uint DefaultSampleFlags)
{
    /// <summary>Reads a trex payload (after the box header); <paramref name="offset"/> is its stream offset, for messages.</summary>
    public static TrackExtendsBox Read(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Trex, offset);
        reader.ReadFullBoxHeader();
        return new TrackExtendsBox(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());
    }

    /// <summary>Writes the box.</summary>
    public void Write(BoxWriter writer)
    {
        var start = writer.StartFullBox(FourCC.Trex, 0, 0);
        writer.WriteUInt32(TrackId);
        writer.WriteUInt32(DefaultSampleDescriptionIndex);
        writer.WriteUInt32(DefaultSampleDuration);
        writer.WriteUInt32(DefaultSampleSize);
        writer.WriteUInt32(DefaultSampleFlags);
        writer.EndBox(start);
    }
}
