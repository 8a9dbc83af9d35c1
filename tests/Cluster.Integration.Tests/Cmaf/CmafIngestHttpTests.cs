using System.Net;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Cmaf;

/// <summary>
/// DASH-IF Live Media Ingest interface 1 at the HTTP level, with real CMAF headers and segments that ffmpeg's DASH
/// muxer writes to a folder once per test run.
/// </summary>
public sealed class CmafIngestHttpTests
{
    private static readonly Lazy<Task<string>> Segments = new(WriteSegmentsAsync);

    [Fact]
    public async Task Post_SegmentBeforeHeader_412()
    {
        await using var silo = await InProcessSilo.StartAsync();

        using var response = await Send(silo, HttpMethod.Post, "live/early.isml/Streams(video)", await File("chunk-stream0-00001.m4s"));

        // DASH-IF ingest: a segment the receiver cannot process for want of its CMAF header answers 412.
        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.Content.ReadAsStringAsync()).ShouldContain("header");
    }

    [Fact]
    public async Task Put_GarbageFile_415()
    {
        await using var silo = await InProcessSilo.StartAsync();

        using var response = await Send(silo, HttpMethod.Put, "live/junk.isml/chunk-stream0-00001.m4s", "this is not ISO-BMFF at all"u8.ToArray());

        // DASH-IF ingest: media the receiver cannot take answers 415.
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_GarbageToStreamsUrl_415WithReason()
    {
        await using var silo = await InProcessSilo.StartAsync();

        using var response = await Send(silo, HttpMethod.Post, "live/junk.isml/Streams(video)", "this is not ISO-BMFF at all"u8.ToArray());

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).Length.ShouldBeGreaterThan(10);
    }

    [Fact]
    public async Task Post_EncryptedHeader_415()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var init = await File("init-stream0.m4s");
        var index = init.AsSpan().IndexOf("avc1"u8);
        "encv"u8.CopyTo(init.AsSpan(index));

        (await SendStatus(silo, HttpMethod.Post, "live/enc.isml/Streams(video)", init)).ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_TruncatedHeader_400()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var init = await File("init-stream0.m4s");

        using var response = await Send(silo, HttpMethod.Post, "live/cut.isml/Streams(video)", init[..(init.Length - 50)]);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Put_HeaderThenSegments_200AndFragmentsListed()
    {
        await using var silo = await InProcessSilo.StartAsync();
        foreach (var stream in new[] { "stream0", "stream1" })
        {
            (await SendStatus(silo, HttpMethod.Put, $"live/files.isml/init-{stream}.m4s", await File($"init-{stream}.m4s"))).ShouldBe(HttpStatusCode.OK);
            for (var n = 1; n <= 3; n++)
            {
                var name = $"chunk-{stream}-{n:D5}.m4s";
                (await SendStatus(silo, HttpMethod.Put, $"live/files.isml/{name}", await File(name))).ShouldBe(HttpStatusCode.OK, name);
            }
        }

        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/files.isml/Manifest")).ShouldNotBeNull();
        manifest.Single("video").Fragments.Count.ShouldBe(3);
        manifest.Single("audio").Fragments.Count.ShouldBe(3);
        manifest.Single("video").Fragments[0].Time.ShouldBe(0);
        manifest.IsLive.ShouldBeTrue();
    }

    [Fact]
    public async Task Post_StreamsUrlWithLmsgSegments_EachTrackEndsAndPointStops()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (string Stream, string Id)[] tracks = [("stream0", "v"), ("stream1", "a")];

        // Both tracks are admitted before either ends, as a live encoder interleaves them.
        foreach (var (stream, id) in tracks)
        {
            (await SendStatus(silo, HttpMethod.Post, $"live/ends.isml/Streams({id})", await File($"init-{stream}.m4s"))).ShouldBe(HttpStatusCode.OK);
            (await SendStatus(silo, HttpMethod.Post, $"live/ends.isml/Streams({id})", await File($"chunk-{stream}-00001.m4s"))).ShouldBe(HttpStatusCode.OK);
        }

        foreach (var (stream, id) in tracks)
        {
            (await SendStatus(silo, HttpMethod.Post, $"live/ends.isml/Streams({id})", WithLmsg(await File($"chunk-{stream}-00002.m4s")))).ShouldBe(HttpStatusCode.OK);
        }

        var status = await silo.Http.GetStringAsync("admin/publishing-points/live/ends");
        status.ShouldContain("\"state\":\"Stopped\"");
        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/ends.isml/Manifest")).ShouldNotBeNull();
        manifest.IsLive.ShouldBeFalse();
        manifest.Single("video").Fragments.Count.ShouldBe(2);

        // The track ended: its next segment needs a new header (and the stopped point refuses that one with 409).
        (await SendStatus(silo, HttpMethod.Post, "live/ends.isml/Streams(v)", await File("chunk-stream0-00003.m4s"))).ShouldBe(HttpStatusCode.PreconditionFailed);
        (await SendStatus(silo, HttpMethod.Post, "live/ends.isml/Streams(v)", await File("init-stream0.m4s"))).ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Post_UnknownPointWithAutoCreateOff_404()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:PublishingPoints:AutoCreate=false");

        (await SendStatus(silo, HttpMethod.Post, "live/nobody.isml/Streams(v)", await File("init-stream0.m4s"))).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_ManifestAndDelete_200AndIgnored()
    {
        await using var silo = await InProcessSilo.StartAsync();

        (await SendStatus(silo, HttpMethod.Put, "live/mpd.isml/manifest.mpd", await File("out.mpd"))).ShouldBe(HttpStatusCode.OK);
        (await SendStatus(silo, HttpMethod.Put, "live/mpd.isml/master.m3u8", "#EXTM3U\n"u8.ToArray())).ShouldBe(HttpStatusCode.OK);
        (await SendStatus(silo, HttpMethod.Delete, "live/mpd.isml/chunk-stream0-00001.m4s", null)).ShouldBe(HttpStatusCode.OK);

        using var manifest = await silo.Http.GetAsync("live/mpd.isml/Manifest");
        manifest.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Post_SmoothCaptureToStreamsUrl_StillTakenAsSmooth()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var capture = await System.IO.File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv"));

        (await SendStatus(silo, HttpMethod.Post, "live/smooth.isml/Streams(s1)", capture)).ShouldBe(HttpStatusCode.OK);

        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/smooth.isml/Manifest")).ShouldNotBeNull();
        manifest.Single("video").Levels.Count.ShouldBe(2);
    }

    private static byte[] WithLmsg(byte[] segment)
    {
        // styp: size, 'styp', major brand, minor version, compatible brands...; make the first compatible brand 'lmsg'.
        segment.AsSpan(4, 4).SequenceEqual("styp"u8).ShouldBeTrue();
        var copy = (byte[])segment.Clone();
        "lmsg"u8.CopyTo(copy.AsSpan(16));
        return copy;
    }

    private static async Task<byte[]> File(string name) => await System.IO.File.ReadAllBytesAsync(Path.Combine(await Segments.Value, name));

    private static async Task<HttpStatusCode> SendStatus(InProcessSilo silo, HttpMethod method, string url, byte[]? body)
    {
        using var response = await Send(silo, method, url, body);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> Send(InProcessSilo silo, HttpMethod method, string url, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        return await silo.Http.SendAsync(request);
    }

    private static async Task<string> WriteSegmentsAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cmaf-ingest-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var arguments = $"{Ffmpeg.TestPattern(realTime: false, seconds: 4, size: "160x90")} -map 0:v -map 1:a {Ffmpeg.H264(200, gopFrames: 25)} -c:a aac -b:a 32k " +
            $"-f dash -seg_duration 1 -use_template 1 -use_timeline 1 \"{Path.Combine(folder, "out.mpd")}\"";
        await using var ffmpeg = Ffmpeg.Start(arguments);
        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);
        return folder;
    }
}
