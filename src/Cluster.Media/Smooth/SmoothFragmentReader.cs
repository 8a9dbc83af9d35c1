using System.Buffers;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Reads a Smooth fragment response (MS-SSTR 2.2.4: a moof with one traf, then its mdat), as a server pulling from
/// another Smooth origin gets it for <c>QualityLevels(b)/Fragments(name=t)</c>. Samples are resolved as for ingest
/// (trun, then tfhd defaults; data checked to lie in the mdat); the time is the traf's own (tfxd, else tfdt) and, when
/// the response carries none, the time the manifest gave.
/// </summary>
public static class SmoothFragmentReader
{
    /// <summary>Parses <paramref name="response"/>; throws <see cref="MediaFormatException"/> for anything malformed.</summary>
    /// <param name="response">The whole response body.</param>
    /// <param name="manifestTime">The fragment's time in the manifest, used when the response declares none.</param>
    /// <param name="maxSamples">Most samples accepted.</param>
    public static SmoothFragmentResponse Read(ReadOnlyMemory<byte> response, long manifestTime, int maxSamples = 100_000)
    {
        var span = response.Span;
        MovieFragmentBox? moof = null;
        long moofOffset = 0;
        BoxHeader? mdat = null;
        long offset = 0;
        while (offset < span.Length && mdat is null)
        {
            var remaining = span.Length - offset;
            if (!BoxReader.TryReadHeader(span[(int)offset..], offset, remaining, allowToEnd: true, out var header))
            {
                throw new MediaFormatException($"The fragment response ends with {remaining} bytes at offset {offset}, too few for a box header.");
            }

            if (header.ExtendsToEnd)
            {
                header = header with { Size = remaining };
                if (header.Type != FourCC.Mdat)
                {
                    throw new MediaFormatException($"Box '{header.Name}' at offset {offset} has size 0 (to end of file), which only an mdat may have.");
                }
            }

            switch (header.Type)
            {
                case FourCC.Moof when moof is not null:
                    throw new MediaFormatException($"Second moof at offset {offset}; a Smooth fragment response has one.");
                case FourCC.Moof:
                    moof = MovieFragmentBox.Read(span.Slice((int)offset, (int)header.Size), offset, maxSamples);
                    moofOffset = offset;
                    break;
                case FourCC.Mdat when moof is null:
                    throw new MediaFormatException($"mdat at offset {offset} comes before a moof.");
                case FourCC.Mdat:
                    mdat = header;
                    break;
                default:
                    break; // styp, sidx, free and the like.
            }

            offset += header.Size;
        }

        if (moof is null || mdat is not { } data)
        {
            throw new MediaFormatException(moof is null ? "The fragment response has no moof." : "The fragment response has no mdat after its moof.");
        }

        if (moof.TrackFragments.Length != 1)
        {
            throw new MediaFormatException($"The fragment response's moof has {moof.TrackFragments.Length} trafs; a Smooth fragment has one.");
        }

        var traf = moof.TrackFragments[0];
        if (traf.Runs.Sum(r => r.Samples.Length) == 0)
        {
            throw new MediaFormatException("The fragment response has no samples.");
        }

        // The planner wants the moov's view of the track: here only its id is known, with no trex defaults.
        var trackId = traf.Header.TrackId;
        var movie = new MovieBox(0, [new TrackInfo { Kind = TrackKind.Video, Name = "", Bitrate = 0, FourCC = "", TrackId = trackId }], []);
        var ends = new Dictionary<uint, long> { [trackId] = manifestTime };
        var plan = FragmentPlanner.Plan(moof, moofOffset, data, movie, ends, data.PayloadSize)[0];
        plan.CopyFrom(new ReadOnlySequence<byte>(response), 0);
        var fragment = plan.Samples.IsEmpty ? null : new Fragment(plan.Time, plan.Samples, plan.Data);
        return new SmoothFragmentResponse(fragment, traf.Tfxd?.Time ?? traf.BaseMediaDecodeTime, traf.Tfxd?.Duration);
    }
}

/// <summary>A parsed Smooth fragment response.</summary>
/// <param name="Fragment">
/// The fragment; null when all its samples lie before time zero (AAC priming), which this product drops as its ingest
/// does. A fragment straddling zero starts at zero, shortened as at ingest.
/// </param>
/// <param name="DeclaredTime">The time the response itself gives (tfxd, else tfdt), to check against the manifest; null when none.</param>
/// <param name="DeclaredDuration">The duration the tfxd gives, when there is one.</param>
public sealed record SmoothFragmentResponse(Fragment? Fragment, long? DeclaredTime, long? DeclaredDuration);
