using System.Collections.Immutable;
using System.IO.Pipelines;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Benchmarks;

/// <summary>
/// The shape every manifest benchmark uses: a 2-hour DVR of 2-second fragments on 6 tracks (4 video bitrates,
/// 2 audio bitrates), with codec setups taken from a real ffmpeg capture so the writers see real codec data.
/// </summary>
public static class BenchData
{
    /// <summary>2 hours of 2-second fragments.</summary>
    public const int FragmentsPerTrack = 3_600;

    /// <summary>Smooth's timescale (10 MHz).</summary>
    public const long Timescale = 10_000_000;

    /// <summary>Video fragments are exactly 2 s (GOP of 50 at 25 fps).</summary>
    public const long VideoFragmentDuration = 20_000_000;

    /// <summary>Video bitrates of the ladder.</summary>
    public static readonly int[] VideoBitrates = [3_000_000, 1_800_000, 1_000_000, 500_000];

    /// <summary>Audio bitrates.</summary>
    public static readonly int[] AudioBitrates = [128_000, 64_000];

    /// <summary>
    /// The capture to parse: <c>CLUSTER_BENCH_CAPTURE</c> when set (run-all.sh makes a longer one with ffmpeg), else the
    /// small three-track capture of the media tests.
    /// </summary>
    public static string CapturePath =>
        Environment.GetEnvironmentVariable("CLUSTER_BENCH_CAPTURE") is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv");

    private static readonly Lazy<(TrackInfo Video, TrackInfo Audio)> CaptureTracks = new(ReadCaptureTracks);

    /// <summary>The 6 tracks: video first (highest bitrate first), then audio.</summary>
    public static ImmutableArray<TrackInfo> Tracks()
    {
        var (video, audio) = CaptureTracks.Value;
        var tracks = ImmutableArray.CreateBuilder<TrackInfo>();
        foreach (var bitrate in VideoBitrates)
        {
            tracks.Add(video with { Name = "video", Bitrate = bitrate, TrackId = 1 });
        }

        foreach (var bitrate in AudioBitrates)
        {
            tracks.Add(audio with { Name = "audio", Bitrate = bitrate, TrackId = 2 });
        }

        return tracks.ToImmutable();
    }

    /// <summary>
    /// Duration of audio fragment <paramref name="index"/>: AAC frames of 1024 samples at 48 kHz never fill 2 s exactly,
    /// so fragments alternate 94 and 93 frames, as an encoder's audio does (and the DASH timeline cannot collapse them).
    /// </summary>
    public static long AudioFragmentDuration(int index) => (index % 2 == 0 ? 94 : 93) * 1024L * Timescale / 48_000;

    /// <summary>Time and duration of every fragment of a video or audio track.</summary>
    public static TimelineEntry[] Timeline(TrackKind kind, int count = FragmentsPerTrack)
    {
        var entries = new TimelineEntry[count];
        long time = 0;
        for (var i = 0; i < count; i++)
        {
            var duration = kind == TrackKind.Video ? VideoFragmentDuration : AudioFragmentDuration(i);
            entries[i] = new TimelineEntry(time, duration);
            time += duration;
        }

        return entries;
    }

    /// <summary>A fragment of 50 video samples (2 s at 25 fps, key frame first) or 94/93 audio samples, with tiny shared data.</summary>
    public static Fragment Fragment(TrackKind kind, long time, int index)
    {
        var samples = kind == TrackKind.Video ? VideoSamples : (index % 2 == 0 ? AudioSamples94 : AudioSamples93);
        return new Fragment(time, samples, SampleData.AsMemory(0, samples.Length));
    }

    private static readonly byte[] SampleData = new byte[128];

    private static readonly ImmutableArray<Sample> VideoSamples = [.. Enumerable.Range(0, 50).Select(i => new Sample(400_000, 1, i == 0 ? Sample.SyncFlags : Sample.NonSyncFlags, 800_000))];

    private static readonly ImmutableArray<Sample> AudioSamples94 = MakeAudio(94);

    private static readonly ImmutableArray<Sample> AudioSamples93 = MakeAudio(93);

    private static ImmutableArray<Sample> MakeAudio(int count)
    {
        // 1024 samples at 48 kHz in 10 MHz ticks is 213333.33; spread the remainder so the sum matches the fragment duration.
        var total = count * 1024L * Timescale / 48_000;
        var builder = ImmutableArray.CreateBuilder<Sample>(count);
        long written = 0;
        for (var i = 0; i < count; i++)
        {
            var end = total * (i + 1) / count;
            builder.Add(new Sample((uint)(end - written), 1, Sample.SyncFlags, 0));
            written = end;
        }

        return builder.MoveToImmutable();
    }

    private static (TrackInfo Video, TrackInfo Audio) ReadCaptureTracks()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv");
        using var stream = File.OpenRead(path);
        var reader = new SmoothIngestReader(PipeReader.Create(stream), IngestLimits.Default);
        var header = reader.ReadHeaderAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var video = header.Tracks.First(t => t.Kind == TrackKind.Video);
        var audio = header.Tracks.First(t => t.Kind == TrackKind.Audio);
        return (video, audio);
    }
}
