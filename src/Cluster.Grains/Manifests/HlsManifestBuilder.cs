using System.Collections.Immutable;
using System.Globalization;
using Cluster.Contracts.PublishingPoints;
using Cluster.Media.Codecs;
using Cluster.Media.Hls;
using Cluster.Media.Model;

namespace Cluster.Grains.Manifests;

/// <summary>
/// Writes a presentation as HLS, in Azure Media Services' URL forms: the multivariant playlist at
/// <c>{point}.isml/manifest(format=m3u8-cmaf)</c> points at <c>QualityLevels({bitrate})/Manifest({name},format=m3u8-cmaf)</c>,
/// whose segments are <c>Fragments({name}={time},format=m3u8-cmaf).m4s</c> beside it. With <c>format=m3u8-aapl</c>
/// the same playlists (same segments, same sequence numbers) list MPEG-2 TS segments, <c>.ts</c>, with no EXT-X-MAP,
/// at version 3 for the older devices that format is for.
/// </summary>
internal static class HlsManifestBuilder
{
    private const int TsVersion = 3;

    public static HlsMultivariantPlaylist Multivariant(Presentation presentation, ManifestFormat format)
    {
        var option = Option(format);
        var video = ImmutableArray.CreateBuilder<HlsVideoVariant>();
        var audio = ImmutableArray.CreateBuilder<HlsAudioRendition>();
        foreach (var stream in presentation.Streams)
        {
            for (var i = 0; i < stream.Levels.Length; i++)
            {
                var level = stream.Levels[i];
                var rate = format == ManifestFormat.HlsTs ? stream.TsRates.Value[i] : stream.Rates[i];
                var uri = string.Create(CultureInfo.InvariantCulture, $"QualityLevels({level.Bitrate})/Manifest({stream.Name},{option})");
                switch (stream.Kind)
                {
                    case TrackKind.Video:
                        video.Add(new HlsVideoVariant(uri, rate.Peak, CodecStrings.ForTrack(level), level.Width, level.Height)
                        {
                            AverageBandwidth = rate.Average,
                            FrameRate = stream.FrameRate,
                        });
                        break;
                    case TrackKind.Audio:
                        var name = stream.Levels.Length == 1 ? stream.Name : string.Create(CultureInfo.InvariantCulture, $"{stream.Name} {level.Bitrate / 1000} kbit/s");
                        audio.Add(new HlsAudioRendition(uri, name, rate.Peak, CodecStrings.ForTrack(level), level.Channels)
                        {
                            Language = stream.Language,
                            AverageBandwidth = rate.Average,
                        });
                        break;
                }
            }
        }

        return new HlsMultivariantPlaylist(video.ToImmutable(), audio.ToImmutable()) { Version = format == ManifestFormat.HlsTs ? TsVersion : HlsMultivariantPlaylist.DefaultVersion };
    }

    public static HlsMediaPlaylist? Media(Presentation presentation, string name, int bitrate, ManifestFormat format)
    {
        var option = Option(format);
        var ts = format == ManifestFormat.HlsTs;
        if (presentation.Find(name, bitrate) is not var (stream, _))
        {
            return null;
        }

        var first = stream.Timeline[0];
        return new HlsMediaPlaylist
        {
            Timescale = stream.Timescale,
            Entries = stream.Timeline,

            // Derived from timestamps, so two origins fed by the same encoder number segments alike.
            MediaSequence = HlsPlaylistWriter.MediaSequenceFor(first.Time, first.Duration),
            // File extensions because HLS readers such as ffmpeg's only fetch segment URIs with media extensions.
            InitUri = ts ? null : $"Fragments({stream.Name}=i,{option}).mp4",
            SegmentUriTemplate = $"Fragments({stream.Name}={{time}},{option}).{(ts ? "ts" : "m4s")}",
            Version = ts ? TsVersion : HlsMediaPlaylist.DefaultVersion,
            ProgramDateTimeAnchor = presentation.Anchor,
            Ended = !presentation.IsLive,
        };
    }

    private static string Option(ManifestFormat format) => format == ManifestFormat.HlsTs ? "format=m3u8-aapl" : "format=m3u8-cmaf";
}
