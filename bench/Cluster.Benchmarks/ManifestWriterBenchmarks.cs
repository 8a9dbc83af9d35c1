using System.Buffers;
using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Cluster.Media.Dash;
using Cluster.Media.Hls;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Benchmarks;

/// <summary>The manifest writers alone (no grains, no cache) over a 2-hour DVR: 3,600 fragments on each of 6 tracks.</summary>
[MemoryDiagnoser]
public class ManifestWriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private ClientManifest _smooth = null!;
    private HlsMultivariantPlaylist _multivariant = null!;
    private HlsMediaPlaylist _hlsMedia = null!;
    private MpdModel _mpd = null!;

    [GlobalSetup]
    public void Setup()
    {
        var tracks = BenchData.Tracks();
        var video = tracks.Where(t => t.Kind == TrackKind.Video).ToImmutableArray();
        var audio = tracks.Where(t => t.Kind == TrackKind.Audio).ToImmutableArray();
        var videoTimeline = BenchData.Timeline(TrackKind.Video);
        var audioTimeline = BenchData.Timeline(TrackKind.Audio);
        var anchor = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        _smooth = new ClientManifest
        {
            IsLive = true,
            DvrWindowLength = 2L * 3600 * BenchData.Timescale,
            LookaheadCount = 2,
            Streams =
            [
                new StreamIndexModel { Kind = TrackKind.Video, Name = "video", QualityLevels = video, Timeline = videoTimeline },
                new StreamIndexModel { Kind = TrackKind.Audio, Name = "audio", QualityLevels = audio, Timeline = audioTimeline },
            ],
        };

        _multivariant = new HlsMultivariantPlaylist(
            [.. video.Select(t => new HlsVideoVariant($"QualityLevels({t.Bitrate})/Manifest(video,format=m3u8-cmaf)", t.Bitrate, "avc1.64001e", 640, 360))],
            [.. audio.Select(t => new HlsAudioRendition($"QualityLevels({t.Bitrate})/Manifest(audio,format=m3u8-cmaf)", $"audio_{t.Bitrate}", t.Bitrate, "mp4a.40.2", 2))]);

        _hlsMedia = new HlsMediaPlaylist
        {
            Timescale = BenchData.Timescale,
            Entries = videoTimeline,
            MediaSequence = HlsPlaylistWriter.MediaSequenceFor(videoTimeline[0].Time, videoTimeline[0].Duration),
            InitUri = "QualityLevels(3000000)/Fragments(video=i,format=m3u8-cmaf)",
            SegmentUriTemplate = "QualityLevels(3000000)/Fragments(video={time},format=m3u8-cmaf)",
            ProgramDateTimeAnchor = anchor,
        };

        _mpd = new MpdModel
        {
            AvailabilityStartTime = anchor,
            PublishTime = anchor.AddHours(2),
            TimeShiftBufferDepth = TimeSpan.FromHours(2),
            MinimumUpdatePeriod = TimeSpan.FromSeconds(2),
            SuggestedPresentationDelay = TimeSpan.FromSeconds(6),
            UtcTimingUrl = "/time",
            AdaptationSets =
            [
                new MpdAdaptationSet
                {
                    Kind = TrackKind.Video,
                    Timescale = BenchData.Timescale,
                    Timeline = videoTimeline,
                    InitializationTemplate = "QualityLevels($Bandwidth$)/Fragments(video=i,format=mpd-time-cmaf)",
                    MediaTemplate = "QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=mpd-time-cmaf)",
                    Representations = [.. video.Select(t => new MpdRepresentation($"video_{t.Bitrate}", t.Bitrate, "avc1.64001e") { Width = 640, Height = 360, FrameRate = 25 })],
                },
                new MpdAdaptationSet
                {
                    Kind = TrackKind.Audio,
                    Timescale = BenchData.Timescale,
                    Timeline = audioTimeline,
                    InitializationTemplate = "QualityLevels($Bandwidth$)/Fragments(audio=i,format=mpd-time-cmaf)",
                    MediaTemplate = "QualityLevels($Bandwidth$)/Fragments(audio=$Time$,format=mpd-time-cmaf)",
                    Representations = [.. audio.Select(t => new MpdRepresentation($"audio_{t.Bitrate}", t.Bitrate, "mp4a.40.2") { SamplingRate = 48_000, Channels = 2 })],
                },
            ],
        };
    }

    /// <summary>Smooth client manifest: 2 StreamIndex elements, 6 quality levels, 7,200 c elements.</summary>
    [Benchmark]
    public int WriteSmoothManifest()
    {
        _output.ResetWrittenCount();
        SmoothManifestWriter.Write(_smooth, _output);
        return _output.WrittenCount;
    }

    /// <summary>HLS multivariant playlist (no timeline; small).</summary>
    [Benchmark]
    public int WriteHlsMultivariant()
    {
        _output.ResetWrittenCount();
        HlsPlaylistWriter.WriteMultivariant(_multivariant, _output);
        return _output.WrittenCount;
    }

    /// <summary>HLS media playlist of one video track: 3,600 segments.</summary>
    [Benchmark]
    public int WriteHlsMediaPlaylist()
    {
        _output.ResetWrittenCount();
        HlsPlaylistWriter.WriteMedia(_hlsMedia, _output);
        return _output.WrittenCount;
    }

    /// <summary>DASH MPD: 2 adaptation sets with SegmentTimeline (video collapses into one S@r, audio alternates).</summary>
    [Benchmark]
    public int WriteDashMpd()
    {
        _output.ResetWrittenCount();
        MpdWriter.Write(_mpd, _output);
        return _output.WrittenCount;
    }
}
