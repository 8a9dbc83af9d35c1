using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.PublishingPoints;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Manifests;

/// <summary>Turns a point's tracks into the Smooth client manifest model: one StreamIndex per track name and kind.</summary>
internal static class SmoothManifestBuilder
{
    public static ClientManifest Build(PointView view, TrackTimeline[] timelines)
    {
        var isLive = view.State is PublishingPointState.Starting or PublishingPointState.Started or PublishingPointState.Stopping
            && !Array.TrueForAll(timelines, t => t.Ended);
        var streams = ImmutableArray.CreateBuilder<StreamIndexModel>();
        long first = long.MaxValue, last = long.MinValue;

        foreach (var group in timelines
            .Where(t => t.Info is not null && t.Count > 0)
            .GroupBy(t => (t.Info!.Kind, t.Info.Name))
            .OrderBy(g => g.Key.Kind))
        {
            var levels = group.OrderByDescending(t => t.Info!.Bitrate).ToArray();
            var timeline = CommonEntries(levels);
            if (timeline.Count == 0)
            {
                continue;
            }

            first = Math.Min(first, timeline[0].Time);
            last = Math.Max(last, timeline[^1].End);
            streams.Add(new StreamIndexModel
            {
                Kind = group.Key.Kind,
                Name = group.Key.Name,
                QualityLevels = [.. levels.Select(t => t.Info!)],
                Timeline = timeline,
                Language = levels[0].Info!.Language,
            });
        }

        return new ClientManifest
        {
            IsLive = isLive,
            Duration = isLive || streams.Count == 0 ? 0 : last - first,
            DvrWindowLength = view.Settings.DvrWindowLength.Ticks,
            LookaheadCount = view.Settings.LookaheadCount,
            Streams = streams.ToImmutable(),
        };
    }

    /// <summary>
    /// The fragments every quality level of a stream holds: a player may switch level at any fragment, so only times
    /// present in all of them may be listed (a level whose encoder joined late or lost a fragment must not cause 404s).
    /// </summary>
    internal static List<TimelineEntry> CommonEntries(TrackTimeline[] levels)
    {
        var result = new List<TimelineEntry>(levels[0].Count);
        var positions = new int[levels.Length];
        var reference = levels[0];
        for (var i = 0; i < reference.Count; i++)
        {
            var candidate = reference[i];
            var everywhere = true;
            for (var l = 1; l < levels.Length && everywhere; l++)
            {
                var level = levels[l];
                ref var p = ref positions[l];
                while (p < level.Count && level[p].Time < candidate.Time)
                {
                    p++;
                }

                everywhere = p < level.Count && level[p].Time == candidate.Time;
            }

            if (everywhere)
            {
                result.Add(new TimelineEntry(candidate.Time, candidate.Duration));
            }
        }

        return result;
    }
}
