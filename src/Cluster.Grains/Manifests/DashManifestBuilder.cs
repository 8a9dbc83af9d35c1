using System.Collections.Immutable;
using System.Globalization;
using Cluster.Media.Codecs;
using Cluster.Media.Dash;

namespace Cluster.Grains.Manifests;

/// <summary>
/// Writes a presentation as a DASH MPD (SegmentTimeline, <c>$Time$</c> addressing, CMAF segments) in Azure Media
/// Services' URL forms: <c>QualityLevels($Bandwidth$)/Fragments({name}=$Time$,format=mpd-time-cmaf)</c>.
/// </summary>
internal static class DashManifestBuilder
{
    /// <summary>Where the node answers the time for DASH clients (urn:mpeg:dash:utc:http-iso:2014).</summary>
    public const string UtcTimingPath = "/time";

    private const string Format = "format=mpd-time-cmaf";

    public static MpdModel Build(Presentation presentation)
    {
        var sets = ImmutableArray.CreateBuilder<MpdAdaptationSet>(presentation.Streams.Length);
        var longest = 1.0;
        foreach (var stream in presentation.Streams)
        {
            longest = Math.Max(longest, stream.MaxFragmentSeconds());
            var representations = ImmutableArray.CreateBuilder<MpdRepresentation>(stream.Levels.Length);
            foreach (var level in stream.Levels)
            {
                representations.Add(new MpdRepresentation(string.Create(CultureInfo.InvariantCulture, $"{stream.Name}_{level.Bitrate}"), level.Bitrate, CodecStrings.ForTrack(level))
                {
                    Width = level.Width,
                    Height = level.Height,
                    FrameRate = stream.FrameRate,
                    SamplingRate = level.SamplingRate,
                    Channels = level.Channels,
                });
            }

            sets.Add(new MpdAdaptationSet
            {
                Kind = stream.Kind,
                Language = stream.Language,
                Timescale = stream.Timescale,
                Timeline = stream.Timeline,
                InitializationTemplate = $"QualityLevels($Bandwidth$)/Fragments({stream.Name}=i,{Format})",
                MediaTemplate = $"QualityLevels($Bandwidth$)/Fragments({stream.Name}=$Time$,{Format})",
                Representations = representations.ToImmutable(),
            });
        }

        var (start, end) = presentation.Span();
        var window = presentation.Settings.DvrWindowLength;
        return new MpdModel
        {
            AdaptationSets = sets.ToImmutable(),
            Ended = !presentation.IsLive,
            AvailabilityStartTime = presentation.Anchor ?? DateTimeOffset.UnixEpoch,
            PublishTime = presentation.Published,

            // A whole-event DVR (window 0) still has a bounded depth: what the point holds now.
            TimeShiftBufferDepth = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(Math.Max(end - start, longest)),
            MinimumUpdatePeriod = TimeSpan.FromSeconds(longest),
            SuggestedPresentationDelay = TimeSpan.FromSeconds(3 * longest),
            MinBufferTime = TimeSpan.FromSeconds(longest),
            UtcTimingUrl = UtcTimingPath,
        };
    }
}
