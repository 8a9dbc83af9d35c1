using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Smooth;

/// <summary>
/// Ingest as encoders (good, redundant and broken) drive it over HTTP, using a real ffmpeg push body captured to a
/// file (TestData/three-tracks.ismv: two video tracks, one audio track, two 2-second fragments each, then mfra).
/// </summary>
public sealed class SmoothIngestBadInputTests
{
    private static readonly byte[] Capture = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv"));

    [Fact]
    public async Task Probe_EmptyPost_Answers200()
    {
        await using var silo = await InProcessSilo.StartAsync();
        using var response = await silo.Http.PostAsync("live/probe.isml/Streams(v)", new ByteArrayContent([]));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Push_LongerThanKestrelsBodyLimit_IsAcceptedWhole()
    {
        // A live push lasts as long as the event: it must not hit Kestrel's request body limit (30 MB by default,
        // lowered here below the capture's size so a short test proves the point).
        await using var silo = await InProcessSilo.StartAsync("--Kestrel:Limits:MaxRequestBodySize=50000");

        (await Push(silo, "live/long.isml/Streams(s)", Capture)).ShouldBe(HttpStatusCode.OK);

        (await SmoothManifest.TryGetAsync(silo.Http, "live/long.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Push_CapturedBody_StopsPointAndServesVod()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await Push(silo, "live/cap.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);

        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/cap.isml/Manifest")).ShouldNotBeNull();
        manifest.IsLive.ShouldBeFalse();
        manifest.Single("video").Fragments.Count.ShouldBe(2);
        manifest.Single("video").Levels.Count.ShouldBe(2);

        var status = await silo.Http.GetStringAsync("admin/publishing-points/live/cap");
        status.ShouldContain("\"state\":\"Stopped\"");
    }

    [Fact]
    public async Task Push_ToStoppedPoint_RefusedUnlessNewEvent()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await Push(silo, "live/again.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);

        using var refused = await PushResponse(silo, "live/again.isml/Streams(s1)", Capture);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("stopped");

        // A new event id starts a fresh session.
        (await Push(silo, "live/again.isml/Events(day2)/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);
        var status = await silo.Http.GetStringAsync("admin/publishing-points/live/again");
        status.ShouldContain("\"sessionEpoch\":2");
        status.ShouldContain("\"eventId\":\"day2\"");
    }

    [Fact]
    public async Task Push_RestartOnEncoderReconnect_StartsFreshSession()
    {
        await using var silo = await InProcessSilo.StartAsync();
        using var put = await silo.Http.PutAsync(
            "admin/publishing-points/live/restart",
            new StringContent("""{"restartOnEncoderReconnect":true,"dvrWindowLength":"00:10:00"}""", MediaTypeHeaderValue.Parse("application/json")));
        put.StatusCode.ShouldBe(HttpStatusCode.OK);

        (await Push(silo, "live/restart.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);
        (await Push(silo, "live/restart.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);
        (await silo.Http.GetStringAsync("admin/publishing-points/live/restart")).ShouldContain("\"sessionEpoch\":2");
    }

    [Fact]
    public async Task Push_RedundantEncoders_KeepOneCopyOfEachFragment()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var first = new SlowContent(Capture);
        var firstPush = PushResponse(silo, "live/redundant.isml/Streams(a)", first);
        await first.HalfSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Bytes on the wire are not yet an admitted connection: wait until the point counts the first encoder.
        for (var i = 0; i < 200 && !(await StatusText(silo, "live/redundant")).Contains("\"activeConnections\":1", StringComparison.Ordinal); i++)
        {
            await Task.Delay(25);
        }

        // The second encoder sends the same stream completely while the first is still connected.
        (await Push(silo, "live/redundant.isml/Streams(b)", Capture)).ShouldBe(HttpStatusCode.OK);
        first.Continue.SetResult();
        using (var response = await firstPush)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/redundant.isml/Manifest")).ShouldNotBeNull();
        manifest.Single("video").Fragments.Select(f => f.Time).ShouldBe([0, 20_000_000]);
        manifest.Single("audio").Fragments.Count.ShouldBe(2);
        manifest.IsLive.ShouldBeFalse();
    }

    [Fact]
    public async Task Push_Garbage_Answers415WithReason()
    {
        await using var silo = await InProcessSilo.StartAsync();
        using var response = await PushResponse(silo, "live/garbage.isml/Streams(x)", "this is not an ISO-BMFF stream at all"u8.ToArray());

        // Neither a Smooth push nor CMAF: 415 Unsupported Media Type, as DASH-IF ingest answers unknown formats.
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).Length.ShouldBeGreaterThan(10);
    }

    [Fact]
    public async Task Push_HugeBoxSize_Answers400Quickly()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var body = new byte[64];
        BinaryPrimitives.WriteUInt32BigEndian(body, 0x7FFFFFF0);
        "ftyp"u8.CopyTo(body.AsSpan(4));
        using var response = await PushResponse(silo, "live/huge.isml/Streams(x)", body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Push_TruncatedMidFragment_KeepsAcceptedFragmentsAndOtherPointsUnaffected()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var truncated = Capture.AsSpan(0, LastMoofOffset(Capture) + 100).ToArray();

        var healthy = Push(silo, "live/healthy.isml/Streams(s)", Capture);
        using (var response = await PushResponse(silo, "live/truncated.isml/Streams(s)", truncated))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        (await healthy).ShouldBe(HttpStatusCode.OK);

        // Everything before the broken fragment was accepted and is still served; the point stays live because the
        // encoder did not end the stream (it may reconnect).
        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "live/truncated.isml/Manifest")).ShouldNotBeNull();
        manifest.IsLive.ShouldBeTrue();
        manifest.Single("video").Fragments.Select(f => f.Time).ShouldBe([0, 20_000_000]);
        var audio = manifest.Single("audio");
        using var fragment = await silo.Http.GetAsync("live/truncated.isml/" + audio.FragmentUrl(audio.Levels[0], audio.Fragments[0].Time));
        fragment.StatusCode.ShouldBe(HttpStatusCode.OK);

        var other = (await SmoothManifest.TryGetAsync(silo.Http, "live/healthy.isml/Manifest")).ShouldNotBeNull();
        other.Single("video").Fragments.Count.ShouldBe(2);
        other.Single("audio").Fragments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Push_AutoCreateOff_UnknownPointAnswers404AndCreatedPointAccepts()
    {
        await using var silo = await InProcessSilo.StartAsync("--Cluster:PublishingPoints:AutoCreate=false");
        using (var probe = await silo.Http.PostAsync("live/unknown.isml/Streams(v)", new ByteArrayContent([])))
        {
            probe.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        using (var push = await PushResponse(silo, "live/unknown.isml/Streams(v)", Capture))
        {
            push.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        using (var put = await silo.Http.PutAsync("admin/publishing-points/live/known", new ByteArrayContent([])))
        {
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await Push(silo, "live/known.isml/Streams(v)", Capture)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Push_ToShutdownPoint_Refused()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await Push(silo, "live/down.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);
        using (var shutdown = await silo.Http.PostAsync("admin/publishing-points/live/down/shutdown", null))
        {
            shutdown.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using (var manifest = await silo.Http.GetAsync("live/down.isml/Manifest"))
        {
            manifest.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        using var refused = await PushResponse(silo, "live/down.isml/Streams(s1)", Capture);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Push_SenderStallsMidHeader_ConnectionDroppedWhileOtherPointsKeepWorking()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var stalled = new StallingContent(Capture.AsSpan(0, 100).ToArray());

        // The ingest's minimum body data rate (240 bytes/s after a 30 s grace period) drops the stalled encoder; its
        // client waits longer than that.
        using var patient = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        var stalledPush = PushResponse(patient, "live/stalled.isml/Streams(s)", stalled);
        await stalled.Sent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        (await Push(silo, "live/unaffected.isml/Streams(s)", Capture)).ShouldBe(HttpStatusCode.OK);

        // The sender either reads the 408 or, still writing, finds the connection closed; it must not hang.
        try
        {
            using var response = await stalledPush.WaitAsync(TimeSpan.FromSeconds(60));
            response.StatusCode.ShouldBe(HttpStatusCode.RequestTimeout);
        }
        catch (HttpRequestException)
        {
        }

        (await SmoothManifest.TryGetAsync(silo.Http, "live/unaffected.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBe(2);
        (await silo.Http.GetAsync("live/stalled.isml/Manifest")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("live/x.isml/QualityLevels(abc)/Fragments(video=0)")]
    [InlineData("live/x.isml/QualityLevels(100)/Fragments(video)")]
    [InlineData("live/a%20b.isml/Manifest")]
    [InlineData("live/x.isml/Nonsense")]
    public async Task Get_MalformedUrl_Answers400(string url)
    {
        await using var silo = await InProcessSilo.StartAsync();
        using var response = await silo.Http.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Get_UnknownPointOrFragment_Answers404()
    {
        await using var silo = await InProcessSilo.StartAsync();
        using (var manifest = await silo.Http.GetAsync("live/nothing.isml/Manifest"))
        {
            manifest.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        (await Push(silo, "live/some.isml/Streams(s1)", Capture)).ShouldBe(HttpStatusCode.OK);
        using var fragment = await silo.Http.GetAsync("live/some.isml/QualityLevels(200000)/Fragments(video=12345)");
        fragment.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>The admin status JSON of a point, or the 404 text while it does not exist yet.</summary>
    private static async Task<string> StatusText(InProcessSilo silo, string point)
    {
        using var response = await silo.Http.GetAsync("admin/publishing-points/" + point);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpStatusCode> Push(InProcessSilo silo, string url, byte[] body)
    {
        using var response = await PushResponse(silo, url, body);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> PushResponse(InProcessSilo silo, string url, byte[] body) =>
        PushResponse(silo, url, new ByteArrayContent(body));

    private static Task<HttpResponseMessage> PushResponse(InProcessSilo silo, string url, HttpContent content) => PushResponse(silo.Http, url, content);

    private static Task<HttpResponseMessage> PushResponse(HttpClient http, string url, HttpContent content)
    {
        // Encoders send no Content-Type and stream the body chunked.
        content.Headers.ContentType = null;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return http.SendAsync(request);
    }

    /// <summary>Offset of the last moof box in an ISMV byte stream.</summary>
    private static int LastMoofOffset(byte[] data) => Boxes.Children(data, 0, data.Length).Last(b => b.Type == "moof").Offset;

    /// <summary>Sends a few bytes, then one byte every 200 ms (inside the live manifest box) until the server gives up on it.</summary>
    private sealed class StallingContent(byte[] start) : HttpContent
    {
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(start);
            await stream.FlushAsync();
            Sent.SetResult();

            // Writes fail once the server drops the connection; the bound keeps a broken test from hanging.
            for (var i = 0; i < 300; i++)
            {
                await Task.Delay(200);
                await stream.WriteAsync(new byte[] { 0x20 });
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>Sends the first half of a body, then waits until the test lets it send the rest.</summary>
    private sealed class SlowContent(byte[] body) : HttpContent
    {
        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Continue { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = LastMoofOffset(body);
            await stream.WriteAsync(body.AsMemory(0, half));
            await stream.FlushAsync();
            HalfSent.SetResult();
            await Continue.Task;
            await stream.WriteAsync(body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
