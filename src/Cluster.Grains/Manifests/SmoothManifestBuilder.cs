using System.Collections.Immutable;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Manifests;

/// <summary>Writes a presentation as the Smooth client manifest model: one StreamIndex per stream.</summary>
internal static class SmoothManifestBuilder
{
    private const long TimeScale = 10_000_000;

    public static ClientManifest Build(Presentation presentation)
    {
        var streams = ImmutableArray.CreateBuilder<StreamIndexModel>(presentation.Streams.Length);
        foreach (var stream in presentation.Streams)
        {
            streams.Add(new StreamIndexModel
            {
                Kind = stream.Kind,
                Name = stream.Name,
                QualityLevels = [.. stream.Levels],
                Timeline = stream.Timeline,
                Language = stream.Language,
                TimeScale = stream.Timescale == TimeScale ? null : stream.Timescale,
            });
        }

        var (start, end) = presentation.Span();
        return new ClientManifest
        {
            IsLive = presentation.IsLive,
            Duration = presentation.IsLive ? 0 : (long)Math.Round((end - start) * TimeScale),
            TimeScale = TimeScale,

            // TimeSpan ticks are 100 ns, the Smooth timescale's unit.
            DvrWindowLength = presentation.Settings.DvrWindowLength.Ticks,
            LookaheadCount = presentation.Settings.LookaheadCount,
            Streams = streams.ToImmutable(),
        };
    }
}
