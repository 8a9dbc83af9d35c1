using System.Collections.Immutable;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Media.CmafIngest;

/// <summary>
/// Parses one CMAF segment body (optional styp; optional prft, emsg, sidx, free boxes; one or more moof/mdat chunks)
/// into a single <see cref="Fragment"/>: the chunks' sample tables are concatenated and their media bytes copied once
/// into one exactly-sized array, so one pushed segment is one stored fragment. Every moof needs a tfdt (CMAF and
/// DASH-IF ingest require it) and each chunk must start where the previous one ended.
/// </summary>
public static class CmafSegmentReader
{
    /// <summary>Reads a whole segment body.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="header">The track's CMAF header, for its track id and trex defaults.</param>
    /// <param name="limits">Bounds on the segment size and sample count.</param>
    /// <exception cref="MediaFormatException">The segment is malformed or does not belong to the header's track.</exception>
    public static CmafSegment Read(ReadOnlySpan<byte> body, CmafHeader header, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(limits);
        if (body.Length > limits.MaxFragmentSize)
        {
            throw new MediaFormatException($"The segment has {body.Length} bytes, over the limit of {limits.MaxFragmentSize}.");
        }

        var trackId = header.Track.TrackId;
        var plans = new List<FragmentPlan>();
        var trackEnds = new Dictionary<uint, long>(1);
        long? expectedTime = null;
        var samples = 0;
        uint sequenceNumber = 0;
        var chunks = 0;
        var isLast = false;
        DateTimeOffset? anchor = null;
        var position = 0;
        while (position < body.Length)
        {
            var box = ReadHeader(body, position, allowToEnd: false);
            switch (box.Type)
            {
                case FourCC.Styp:
                    if (chunks > 0)
                    {
                        // A second styp would start a second segment; one request carries one.
                        throw new MediaFormatException($"styp at offset {position} follows a moof; one request carries one segment.");
                    }

                    isLast |= CmafBrands.Has(FileTypeBox.Read(body.Slice(position, (int)box.Size), position), CmafBrands.Lmsg);
                    break;
                case FourCC.Moof:
                    {
                        var moof = MovieFragmentBox.Read(body.Slice(position, (int)box.Size), position, limits.MaxSamplesPerFragment - samples);
                        var mdatOffset = position + (int)box.Size;
                        if (mdatOffset >= body.Length)
                        {
                            throw new MediaFormatException($"moof at offset {position} is not followed by an mdat: the segment ended.");
                        }

                        var mdat = ReadHeader(body, mdatOffset, allowToEnd: true);
                        if (mdat.Type != FourCC.Mdat)
                        {
                            throw new MediaFormatException($"moof at offset {position} is followed by '{mdat.Name}' at offset {mdatOffset} instead of an mdat.");
                        }

                        if (mdat.ExtendsToEnd)
                        {
                            mdat = mdat with { Size = body.Length - mdatOffset };
                        }

                        CheckTrackFragment(moof, position, trackId, expectedTime);
                        var plan = FragmentPlanner.Plan(moof, position, mdat, header.Movie, trackEnds, body.Length - mdatOffset).OnlyPlan();
                        samples += plan.Samples.Length;
                        expectedTime = trackEnds[trackId];
                        if (chunks == 0)
                        {
                            sequenceNumber = moof.SequenceNumber;
                        }

                        plans.Add(plan);
                        chunks++;
                        position = mdatOffset + (int)mdat.Size;
                        continue;
                    }

                case FourCC.Mdat:
                    throw new MediaFormatException($"mdat at offset {position} does not follow a moof.");
                case FourCC.Mfra:
                    // The older DASH-IF ingest text ends a stream with an empty mfra; treat it like lmsg.
                    isLast = true;
                    break;
                case FourCC.Ftyp or FourCC.Moov:
                    throw new MediaFormatException($"Box '{box.Name}' at offset {position} belongs in the CMAF header, not in a segment.");
                case FourCC.Prft:
                    var prft = ProducerReferenceTimeBox.Read(body.Slice(position + box.HeaderSize, (int)box.Size - box.HeaderSize), position);
                    anchor ??= prft.ReferenceTrackId == trackId && header.Track.Timescale > 0 ? prft.AnchorFor(header.Track.Timescale) : null;
                    break;
                default:
                    // emsg, sidx, free, skip: nothing the stored fragment needs.
                    break;
            }

            position += (int)box.Size;
        }

        return new CmafSegment(Combine(plans, body), sequenceNumber, chunks, isLast) { ProducerAnchor = anchor };
    }

    private static BoxHeader ReadHeader(ReadOnlySpan<byte> body, int position, bool allowToEnd)
    {
        if (!BoxReader.TryReadHeader(body[position..], position, body.Length - position, allowToEnd, out var box))
        {
            throw new MediaFormatException($"The segment ends with {body.Length - position} bytes at offset {position}, too few for a box header.");
        }

        if (box.ExtendsToEnd && !allowToEnd)
        {
            throw new MediaFormatException($"Box '{box.Name}' at offset {position} has size 0 (to end of file), which only an mdat may have.");
        }

        return box;
    }

    private static void CheckTrackFragment(MovieFragmentBox moof, int offset, uint trackId, long? expectedTime)
    {
        if (moof.TrackFragments.Length != 1)
        {
            throw new MediaFormatException($"moof at offset {offset} has {moof.TrackFragments.Length} trafs; a CMAF chunk has exactly one.");
        }

        var traf = moof.TrackFragments[0];
        if (traf.Header.TrackId != trackId)
        {
            throw new MediaFormatException($"moof at offset {offset} is for track {traf.Header.TrackId} but the CMAF header announced track {trackId}.");
        }

        if (traf.BaseMediaDecodeTime is not { } time)
        {
            throw new MediaFormatException($"moof at offset {offset} has no tfdt; CMAF fragments must carry their decode time.");
        }

        if (expectedTime is { } expected && time != expected)
        {
            throw new MediaFormatException($"Chunk at offset {offset} starts at {time} but the previous chunk of the segment ended at {expected}.");
        }
    }

    /// <summary>Concatenates the chunks' samples and copies their bytes, once, into one exactly-sized array.</summary>
    private static Fragment? Combine(List<FragmentPlan> plans, ReadOnlySpan<byte> body)
    {
        var count = 0;
        long length = 0;
        FragmentPlan? first = null;
        foreach (var plan in plans)
        {
            count += plan.Samples.Length;
            length += plan.Length;
            if (first is null && plan.Samples.Length > 0)
            {
                first = plan;
            }
        }

        if (first is null)
        {
            return null;
        }

        var samples = ImmutableArray.CreateBuilder<Sample>(count);
        var data = new byte[length];
        var destination = 0;
        foreach (var plan in plans)
        {
            samples.AddRange(plan.Samples);
            foreach (var range in plan.Ranges)
            {
                // The planner checked every range against its mdat, which lies inside the body.
                body.Slice((int)range.Start, (int)range.Length).CopyTo(data.AsSpan(destination));
                destination += (int)range.Length;
            }
        }

        return new Fragment(first.Time, samples.MoveToImmutable(), data);
    }

    private static FragmentPlan OnlyPlan(this List<FragmentPlan> plans) =>
        plans.Count == 1 ? plans[0] : throw new InvalidOperationException("One traf gives one plan.");
}
