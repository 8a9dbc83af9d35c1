using System.Collections.Immutable;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Resolves a moof's trafs into fragments: sample defaults (trun, then tfhd, then trex), data positions (checked to lie
/// inside the following mdat) and times (tfxd, then tfdt, then the end of the track's previous fragment).
/// </summary>
internal static class FragmentPlanner
{
    /// <param name="moof">The parsed moof.</param>
    /// <param name="moofOffset">Stream offset of the moof.</param>
    /// <param name="mdat">Header of the mdat that follows.</param>
    /// <param name="movie">The moov, for track ids and trex defaults.</param>
    /// <param name="trackEnds">End time of each track's previous fragment; updated.</param>
    /// <param name="maxPayload">Most payload bytes when the mdat's size is not known (size 0).</param>
    public static List<FragmentPlan> Plan(MovieFragmentBox moof, long moofOffset, BoxHeader mdat, MovieBox movie, Dictionary<uint, long> trackEnds, long maxPayload)
    {
        var payloadStart = mdat.Offset + mdat.HeaderSize;
        var payloadLength = mdat.ExtendsToEnd ? maxPayload : mdat.PayloadSize;
        var plans = new List<FragmentPlan>(moof.TrackFragments.Length);
        long totalBytes = 0;
        var previousDataEnd = moofOffset;
        for (var t = 0; t < moof.TrackFragments.Length; t++)
        {
            var traf = moof.TrackFragments[t];
            var tfhd = traf.Header;
            if (!movie.Tracks.Any(track => track.TrackId == tfhd.TrackId))
            {
                throw new MediaFormatException($"moof at offset {moofOffset} (sequence {moof.SequenceNumber}) has a traf for track {tfhd.TrackId}, which the moov does not have.");
            }

            var trex = movie.FindTrackExtends(tfhd.TrackId);
            var defaultDuration = tfhd.DefaultSampleDuration ?? trex?.DefaultSampleDuration ?? 0;
            var defaultSize = tfhd.DefaultSampleSize ?? trex?.DefaultSampleSize ?? 0;
            var defaultFlags = tfhd.DefaultSampleFlags ?? trex?.DefaultSampleFlags ?? 0;

            // ISO/IEC 14496-12 8.8.7: without base-data-offset, the first traf (or any, with default-base-is-moof) is based
            // at the moof and later ones continue where the previous traf's data ended.
            long baseOffset;
            if (tfhd.BaseDataOffset is { } explicitBase)
            {
                if (explicitBase > long.MaxValue)
                {
                    throw new MediaFormatException($"tfhd of track {tfhd.TrackId} in moof at offset {moofOffset} has an impossible base data offset {explicitBase}.");
                }

                baseOffset = (long)explicitBase;
            }
            else
            {
                baseOffset = t == 0 || (tfhd.Flags & TrackFragmentHeaderBox.DefaultBaseIsMoof) != 0 ? moofOffset : previousDataEnd;
            }

            var count = 0;
            foreach (var run in traf.Runs)
            {
                count += run.Samples.Length;
            }

            var samples = ImmutableArray.CreateBuilder<Sample>(count);
            var ranges = new List<FragmentPlan.Range>(traf.Runs.Length);
            var next = baseOffset;
            long duration = 0;
            foreach (var run in traf.Runs)
            {
                var start = run.DataOffset is { } dataOffset ? baseOffset + dataOffset : next;
                long length = 0;
                for (var i = 0; i < run.Samples.Length; i++)
                {
                    var raw = run.Samples[i];
                    var flags = i == 0 && run.FirstSampleFlags is { } first ? first
                        : run.Has(TrackRunBox.SampleFlagsPresent) ? raw.Flags
                        : defaultFlags;
                    var sample = new Sample(
                        run.Has(TrackRunBox.SampleDurationPresent) ? raw.Duration : defaultDuration,
                        run.Has(TrackRunBox.SampleSizePresent) ? raw.Size : defaultSize,
                        flags,
                        run.Has(TrackRunBox.SampleCompositionTimeOffsetPresent) ? raw.CompositionTimeOffset : 0);
                    samples.Add(sample);
                    length += sample.Size;
                    duration += sample.Duration;
                }

                if (length > 0 && (start < payloadStart || start + length > payloadStart + payloadLength))
                {
                    throw new MediaFormatException(
                        $"trun of track {tfhd.TrackId} in moof at offset {moofOffset} points at bytes {start}..{start + length}, outside the mdat payload {payloadStart}..{payloadStart + payloadLength}.");
                }

                totalBytes += length;
                if (totalBytes > payloadLength)
                {
                    throw new MediaFormatException(
                        $"Samples of moof at offset {moofOffset} add up to more than the {payloadLength} bytes of the mdat at offset {mdat.Offset}.");
                }

                ranges.Add(new FragmentPlan.Range(start, length, 0));
                next = start + length;
            }

            previousDataEnd = next;
            var time = traf.Tfxd?.Time ?? traf.BaseMediaDecodeTime ?? trackEnds.GetValueOrDefault(tfhd.TrackId);
            trackEnds[tfhd.TrackId] = time + duration;
            plans.Add(TrimBeforeZero(tfhd.TrackId, time, samples.MoveToImmutable(), ranges));
        }

        return plans;
    }

    /// <summary>
    /// AAC encoders start audio before zero (ffmpeg's first audio tfxd is -213333: the priming samples). Smooth, HLS and
    /// DASH timelines start at 0 and players choke on negative times, so samples that end at or before 0 are dropped
    /// and one straddling 0 is shortened, making the fragment start exactly at 0 while later fragments keep their times.
    /// </summary>
    private static FragmentPlan TrimBeforeZero(uint trackId, long time, ImmutableArray<Sample> samples, List<FragmentPlan.Range> ranges)
    {
        if (time >= 0)
        {
            return new FragmentPlan(trackId, time, samples, WithDestinations(ranges));
        }

        var drop = 0;
        long dropBytes = 0;
        var start = time;
        while (drop < samples.Length && start + samples[drop].Duration <= 0)
        {
            start += samples[drop].Duration;
            dropBytes += samples[drop].Size;
            drop++;
        }

        if (drop == samples.Length)
        {
            // Entirely before zero: nothing to play.
            return new FragmentPlan(trackId, 0, [], []);
        }

        var kept = samples.AsSpan()[drop..].ToArray();
        if (start < 0)
        {
            kept[0] = kept[0] with { Duration = (uint)(kept[0].Duration + start) };
        }

        var keptRanges = new List<FragmentPlan.Range>(ranges.Count);
        foreach (var range in ranges)
        {
            var skip = Math.Min(dropBytes, range.Length);
            dropBytes -= skip;
            if (range.Length > skip)
            {
                keptRanges.Add(range with { Start = range.Start + skip, Length = range.Length - skip });
            }
        }

        return new FragmentPlan(trackId, 0, ImmutableArray.Create(kept), WithDestinations(keptRanges));
    }

    private static List<FragmentPlan.Range> WithDestinations(List<FragmentPlan.Range> ranges)
    {
        long destination = 0;
        for (var i = 0; i < ranges.Count; i++)
        {
            ranges[i] = ranges[i] with { DestinationOffset = destination };
            destination += ranges[i].Length;
        }

        return ranges;
    }
}
