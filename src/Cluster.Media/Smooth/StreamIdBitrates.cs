using System.Collections.Immutable;
using System.Globalization;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// mod_smooth_streaming's convention for naming a pushed output: the stream id lists the bitrates of its tracks in
/// order, in kbit/s (<c>oceans-400k-64k.ismv</c>: the first track at 400 kbit/s, the second at 64). Encoders that
/// write no bitrate in the stream (ffmpeg's ismv muxer without <c>-movflags isml</c> leaves video at 0) rely on it;
/// without it every such video track of a point would be the same quality level.
/// </summary>
public static class StreamIdBitrates
{
    /// <summary>The bitrates named by <paramref name="streamId"/>, in bit/s and in order: each <c>-</c>-separated part of its name that is a whole number followed by <c>k</c>.</summary>
    public static ImmutableArray<int> Parse(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var name = Path.GetFileNameWithoutExtension(streamId);
        var bitrates = ImmutableArray.CreateBuilder<int>();
        foreach (var part in name.Split('-'))
        {
            if (part.Length > 1 && part[^1] is 'k' or 'K'
                && int.TryParse(part.AsSpan(0, part.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var kbps)
                && kbps is > 0 and <= 1_000_000)
            {
                bitrates.Add(kbps * 1000);
            }
        }

        return bitrates.DrainToImmutable();
    }

    /// <summary>The tracks, in order, each one without a bitrate given the bitrate at its position in <paramref name="streamId"/> (when it names one).</summary>
    public static ImmutableArray<TrackInfo> Fill(ImmutableArray<TrackInfo> tracks, string streamId)
    {
        var bitrates = Parse(streamId);
        if (bitrates.IsEmpty || tracks.All(t => t.Bitrate != 0))
        {
            return tracks;
        }

        var filled = tracks.ToBuilder();
        for (var i = 0; i < filled.Count && i < bitrates.Length; i++)
        {
            if (filled[i].Bitrate == 0)
            {
                filled[i] = filled[i] with { Bitrate = bitrates[i] };
            }
        }

        return filled.DrainToImmutable();
    }
}
