using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Combines the live server manifest (what the encoder announces to Smooth) with the moov (what the stream really
/// holds): the SMIL wins for the names players see, the moov fills the gaps and is the authority on which tracks exist.
/// </summary>
internal static class TrackInfoMerger
{
    public static ImmutableArray<TrackInfo> Merge(ImmutableArray<TrackInfo> moovTracks, ImmutableArray<TrackInfo> smilTracks)
    {
        var bySmilId = smilTracks.All(t => t.TrackId != 0);
        foreach (var smil in smilTracks)
        {
            if (bySmilId && !moovTracks.Any(t => t.TrackId == smil.TrackId))
            {
                throw new MediaFormatException($"The live server manifest announces track {smil.TrackId}, which the moov does not have.");
            }
        }

        var merged = ImmutableArray.CreateBuilder<TrackInfo>(moovTracks.Length);
        for (var i = 0; i < moovTracks.Length; i++)
        {
            var moov = moovTracks[i];
            TrackInfo? smil = bySmilId
                ? smilTracks.FirstOrDefault(t => t.TrackId == moov.TrackId)
                : i < smilTracks.Length ? smilTracks[i] : null;
            var track = smil is null ? moov : Merge(moov, smil);
            merged.Add(track with
            {
                DisplayWidth = track.DisplayWidth == 0 ? track.Width : track.DisplayWidth,
                DisplayHeight = track.DisplayHeight == 0 ? track.Height : track.DisplayHeight,
            });
        }

        return MakeQualityLevelsUnique(merged);
    }

    private static TrackInfo Merge(TrackInfo moov, TrackInfo smil) => moov with
    {
        Name = smil.Name.Length > 0 ? smil.Name : moov.Name,
        Bitrate = smil.Bitrate != 0 ? smil.Bitrate : moov.Bitrate,
        FourCC = smil.FourCC.Length > 0 ? smil.FourCC : moov.FourCC,
        CodecPrivateData = smil.CodecPrivateData.Length > 0 ? smil.CodecPrivateData : moov.CodecPrivateData,
        Width = Pick(smil.Width, moov.Width),
        Height = Pick(smil.Height, moov.Height),
        DisplayWidth = Pick(smil.DisplayWidth, moov.DisplayWidth),
        DisplayHeight = Pick(smil.DisplayHeight, moov.DisplayHeight),
        SamplingRate = Pick(smil.SamplingRate, moov.SamplingRate),
        Channels = Pick(smil.Channels, moov.Channels),
        BitsPerSample = Pick(smil.BitsPerSample, moov.BitsPerSample),
        PacketSize = Pick(smil.PacketSize, moov.PacketSize),
        AudioTag = Pick(smil.AudioTag, moov.AudioTag),
        Language = smil.Language ?? moov.Language,
    };

    private static int Pick(int preferred, int fallback) => preferred != 0 ? preferred : fallback;

    /// <summary>
    /// Smooth URLs address a quality level by (stream name, bitrate), so two tracks sharing both could never be told
    /// apart; a duplicate (typically two tracks without a known bitrate, 0) gets the next free bitrate of that name.
    /// </summary>
    private static ImmutableArray<TrackInfo> MakeQualityLevelsUnique(ImmutableArray<TrackInfo>.Builder tracks)
    {
        var used = new HashSet<(string, int)>();
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var bitrate = track.Bitrate;
            while (!used.Add((track.Name, bitrate)))
            {
                bitrate++;
            }

            if (bitrate != track.Bitrate)
            {
                tracks[i] = track with { Bitrate = bitrate };
            }
        }

        return tracks.MoveToImmutable();
    }
}
