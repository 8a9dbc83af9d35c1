using System.Globalization;
using System.Net;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Smooth;

/// <summary>Real ffmpeg pushing live Smooth Streaming (one POST per output) to a real silo, read back as a player would.</summary>
public sealed class SmoothPushTests
{
    private const long Second = 10_000_000;

    [Fact]
    public async Task Push_MultiBitrateFfmpeg_LiveManifestThenVodManifestListFragmentsThatAreServed()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var point = silo.Url("live/mbr.isml/");
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(point, realTime: true, seconds: 8));

        // While ffmpeg pushes, the manifest is live.
        SmoothManifest? live = null;
        for (var attempt = 0; attempt < 200 && (live is null || live.Streams.Count < 2 || live.Single("video").Fragments.Count < 2); attempt++)
        {
            await Task.Delay(100);
            live = await SmoothManifest.TryGetAsync(silo.Http, "live/mbr.isml/Manifest");
        }

        live.ShouldNotBeNull(ffmpeg.Log);
        live.IsLive.ShouldBeTrue();
        live.Duration.ShouldBe(0);
        live.Root.Attribute("LookaheadCount")!.Value.ShouldBe("2");

        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);

        var vod = await SmoothManifest.WaitForVodAsync(silo.Http, "live/mbr.isml/Manifest", TimeSpan.FromSeconds(10));
        vod.Root.Attribute("MajorVersion")!.Value.ShouldBe("2");

        var video = vod.Single("video");
        video.Levels.Select(l => (string)l.Attribute("Bitrate")!).Order().ShouldBe(["300000", "600000"]);
        foreach (var level in video.Levels)
        {
            ((string)level.Attribute("FourCC")!).ShouldBe("H264");
            var codecPrivateData = (string)level.Attribute("CodecPrivateData")!;
            codecPrivateData.ShouldStartWith("00000001"); // Annex B start code
            (Convert.ToByte(codecPrivateData[8..10], 16) & 0x1F).ShouldBe(7); // first NAL unit is the SPS
        }

        video.Levels.Single(l => (string)l.Attribute("Bitrate")! == "600000").Attribute("MaxWidth")!.Value.ShouldBe("640");
        var audio = vod.Single("audio");
        var audioLevel = audio.Levels.ShouldHaveSingleItem();
        ((string)audioLevel.Attribute("FourCC")!).ShouldBe("AACL");
        ((string)audioLevel.Attribute("SamplingRate")!).ShouldBe("48000");
        ((string)audioLevel.Attribute("Channels")!).ShouldBe("1");
        // AudioSpecificConfig: object type 2 (AAC LC), frequency index 3 (48 kHz), 1 channel -> 0x1188.
        ((string)audioLevel.Attribute("CodecPrivateData")!).ShouldStartWith("1188");

        // 8 s of 2 s GOPs: contiguous fragments covering the whole push, no gap.
        AssertContiguous(video.Fragments);
        AssertContiguous(audio.Fragments);
        video.Fragments.Count.ShouldBe(4);
        video.Fragments[0].Time.ShouldBe(0);
        video.Fragments.Sum(f => f.Duration).ShouldBe(8 * Second);
        audio.Fragments[0].Time.ShouldBe(0);
        audio.Fragments.Sum(f => f.Duration).ShouldBeInRange(7 * Second, 9 * Second);
        vod.Duration.ShouldBeGreaterThanOrEqualTo(8 * Second);
        int.Parse((string)video.Element.Attribute("Chunks")!, CultureInfo.InvariantCulture).ShouldBe(video.Fragments.Count);

        // Every listed fragment of every quality level is served and is what the manifest says it is.
        foreach (var stream in vod.Streams)
        {
            foreach (var level in stream.Levels)
            {
                for (var i = 0; i < stream.Fragments.Count; i++)
                {
                    var (time, duration) = stream.Fragments[i];
                    var url = "live/mbr.isml/" + stream.FragmentUrl(level, time);
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Add("Origin", "https://viewer.example");
                    using var response = await silo.Http.SendAsync(request);
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                    response.Content.Headers.ContentType!.MediaType.ShouldBe(stream.Type == "audio" ? "audio/mp4" : "video/mp4");
                    response.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
                    var fragment = Boxes.ParseSmoothFragment(await response.Content.ReadAsByteArrayAsync());
                    fragment.TfxdTime.ShouldBe(time, url);
                    fragment.TfxdDuration.ShouldBe(duration, url);
                    fragment.SampleBytes.ShouldBe(fragment.MdatPayload, url);
                    fragment.DataOffsetPointsAtMdatPayload.ShouldBeTrue(url);
                    fragment.Lookahead.ShouldBe(stream.Fragments.Skip(i + 1).Take(2).ToList(), url);
                }
            }
        }
    }

    [Fact]
    public async Task Push_SingleOutputWithAllTracks_OnePostCarriesEveryTrack()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var arguments = $"{Ffmpeg.TestPattern(realTime: false, seconds: 6)} -map 0:v -map 0:v -map 1:a " +
            "-c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 -b:v:0 500k -b:v:1 250k -s:v:1 160x90 -c:a aac -b:a 64k " +
            Ffmpeg.SmoothOutput(silo.Url("live/one.isml/Streams(all)"));
        await using var ffmpeg = Ffmpeg.Start(arguments);
        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);

        var manifest = await SmoothManifest.WaitForVodAsync(silo.Http, "live/one.isml/Manifest", TimeSpan.FromSeconds(10));
        manifest.Single("video").Levels.Count.ShouldBe(2);
        manifest.Single("video").Fragments.Count.ShouldBe(3);
        manifest.Single("audio").Levels.Count.ShouldBe(1);
    }

    /// <summary>
    /// Seed 002 (mod_smooth_streaming), "Publishing multiple bitrate video streams (Method 1)" as written, adapted only
    /// for ffmpeg 5.1's option names: two encoders push to <c>oceans.isml/oceans.ism?stream_id=..</c>, ffmpeg choosing
    /// its ismv muxer from the <c>.ismv</c> the URL ends in, and the stream ids naming the bitrates of their tracks.
    /// </summary>
    [Fact]
    public async Task Push_ModSmoothStreamingSeedUrls_TwoEncodersMakeOnePresentationWithTheStreamIdsBitrates()
    {
        await using var silo = await InProcessSilo.StartAsync();
        const string Audio = "-c:a aac -ac 2 -b:a 64k";
        const string Video = "-c:v libx264 -preset veryfast -g 100 -keyint_min 100 -sc_threshold 0";
        var input = Ffmpeg.TestPattern(realTime: true, seconds: 8, size: "848x400");
        await using var high = Ffmpeg.Start($"-y {input} {Audio} {Video} -b:v 400k -s 848x400 \"{silo.Url("oceans.isml/oceans.ism?stream_id=oceans-400k-64k.ismv")}\"");
        await using var low = Ffmpeg.Start($"-y {input} -an {Video} -b:v 200k -s 608x288 \"{silo.Url("oceans.isml/oceans.ism?stream_id=oceans-200k.ismv")}\"");
        (await high.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, high.Log);
        (await low.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, low.Log);

        var vod = await SmoothManifest.WaitForVodAsync(silo.Http, "oceans.isml/Manifest", TimeSpan.FromSeconds(10));
        var video = vod.Single("video");
        video.Levels.Select(l => (string)l.Attribute("Bitrate")!).Order().ShouldBe(["200000", "400000"]);
        video.Levels.Single(l => (string)l.Attribute("Bitrate")! == "400000").Attribute("MaxWidth")!.Value.ShouldBe("848");
        video.Levels.Single(l => (string)l.Attribute("Bitrate")! == "200000").Attribute("MaxWidth")!.Value.ShouldBe("608");
        vod.Single("audio").Levels.ShouldHaveSingleItem().Attribute("Bitrate")!.Value.ShouldBe("64000");
        AssertContiguous(video.Fragments);
        video.Fragments.Sum(f => f.Duration).ShouldBe(8 * Second);

        // The two encoders' pictures stay apart: each level serves its own fragment, at its own size.
        var (time, _) = video.Fragments[0];
        var sizes = new List<int>();
        foreach (var level in video.Levels)
        {
            var bytes = await silo.Http.GetByteArrayAsync("oceans.isml/" + video.FragmentUrl(level, time));
            Boxes.ParseSmoothFragment(bytes).TfxdTime.ShouldBe(time);
            sizes.Add(bytes.Length);
        }

        sizes.Distinct().Count().ShouldBe(2, "a 400 kbit/s and a 200 kbit/s fragment of the same 4 s");

        // The seed's rewrite rules' playback forms: manifest in lower case, QualityLevels(n)/Fragments(type=time).
        (await silo.Http.GetAsync("oceans.isml/manifest")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static void AssertContiguous(List<(long Time, long Duration)> fragments)
    {
        fragments.Count.ShouldBeGreaterThan(1);
        for (var i = 1; i < fragments.Count; i++)
        {
            fragments[i].Time.ShouldBe(fragments[i - 1].Time + fragments[i - 1].Duration, $"fragment {i}");
        }
    }
}
