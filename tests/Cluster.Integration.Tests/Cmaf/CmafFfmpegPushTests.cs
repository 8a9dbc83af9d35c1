using System.Net;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Cmaf;

/// <summary>
/// Real ffmpeg pushing with its DASH muxer over HTTP (init segment, then one request per segment, the MPD put again
/// and again), read back through the Smooth manifest as a player would.
/// </summary>
public sealed class CmafFfmpegPushTests
{
    [Theory]
    [InlineData("PUT")]
    [InlineData("POST")]
    public async Task Push_FfmpegDashMuxer_SmoothManifestListsContiguousServedFragments(string method)
    {
        await using var silo = await InProcessSilo.StartAsync();
        var arguments = $"{Ffmpeg.TestPattern(realTime: true, seconds: 6)} -map 0:v -map 1:a {Ffmpeg.H264(400, gopFrames: 25)} -c:a aac -b:a 64k " +
            $"-f dash -method {method} -seg_duration 1 -streaming 0 -use_template 1 -use_timeline 1 -index_correction 0 " +
            $"\"{silo.Url("live/cmaf.isml/manifest.mpd")}\"";
        await using var ffmpeg = Ffmpeg.Start(arguments);
        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);

        // ffmpeg closes a segment's upload without waiting for the answer, so its last uploads may still be on their
        // way into the track grains when it exits: read until both timelines have no hole (or give up and assert below).
        var manifest = await ContiguousManifestAsync(silo);
        manifest.ShouldNotBeNull(ffmpeg.Log);
        var video = manifest.Single("video");
        var audio = manifest.Single("audio");
        ((string)video.Levels.ShouldHaveSingleItem().Attribute("FourCC")!).ShouldBe("H264");
        ((string)audio.Levels.ShouldHaveSingleItem().Attribute("FourCC")!).ShouldBe("AACL");

        // -g 25 at 25 fps with 1 s segments: one key frame, one segment, one fragment per second.
        AssertContiguous(video.Fragments);
        AssertContiguous(audio.Fragments);
        video.Fragments.Count.ShouldBeInRange(5, 6);
        video.Fragments[0].Time.ShouldBe(0);

        // Times stay in the CMAF track timescale (mdhd: ffmpeg picks 12800 for 25 fps video, the sampling rate for audio).
        long Scale(SmoothManifest.Stream s) => long.Parse((string?)s.Element.Attribute("TimeScale") ?? manifest.TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        Scale(video).ShouldBe(12800);
        Scale(audio).ShouldBe(48000);
        ((double)video.Fragments.Sum(f => f.Duration) / Scale(video)).ShouldBeInRange(5.0, 6.5);
        ((double)audio.Fragments.Sum(f => f.Duration) / Scale(audio)).ShouldBeInRange(5.0, 6.5);

        foreach (var stream in manifest.Streams)
        {
            foreach (var level in stream.Levels)
            {
                foreach (var (time, _) in stream.Fragments)
                {
                    var url = "live/cmaf.isml/" + stream.FragmentUrl(level, time);
                    using var response = await silo.Http.GetAsync(url);
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                }
            }
        }

        // The CMAF-fed point serves HLS and DASH too, and ffprobe reads both.
        foreach (var output in new[] { "manifest(format=m3u8-cmaf)", "manifest(format=mpd-time-cmaf)" })
        {
            var streams = await Ffprobe.StreamsAsync(silo.Url("live/cmaf.isml/" + output));
            streams.Where(s => s.CodecType == "video").Select(s => (s.CodecName, s.Width, s.Height)).Distinct().ShouldBe([("h264", 320, 180)], output);
            streams.Where(s => s.CodecType == "audio").Select(s => s.CodecName).Distinct().ShouldBe(["aac"], output);
        }
    }

    private static async Task<SmoothManifest?> ContiguousManifestAsync(InProcessSilo silo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var manifest = await SmoothManifest.TryGetAsync(silo.Http, "live/cmaf.isml/Manifest");
            if (DateTime.UtcNow > deadline || manifest is not null && manifest.Streams.All(s => IsContiguous(s.Fragments)))
            {
                return manifest;
            }

            await Task.Delay(200);
        }
    }

    private static bool IsContiguous(List<(long Time, long Duration)> fragments) =>
        fragments.Count > 1 && fragments.Zip(fragments.Skip(1)).All(p => p.Second.Time == p.First.Time + p.First.Duration);

    private static void AssertContiguous(List<(long Time, long Duration)> fragments)
    {
        fragments.Count.ShouldBeGreaterThan(1);
        for (var i = 1; i < fragments.Count; i++)
        {
            fragments[i].Time.ShouldBe(fragments[i - 1].Time + fragments[i - 1].Duration, $"fragment {i}");
        }
    }
}
