using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Packaging;

/// <summary>
/// HLS with MPEG-2 TS segments (<c>format=m3u8-aapl</c>, IIS's "Apple mobile digital devices" output), read by the
/// independent clients: ffmpeg, ffprobe and GStreamer's hlsdemux and tsdemux. hls.js plays it live in
/// <see cref="HlsDashBrowserTests"/>.
/// </summary>
public sealed partial class HlsTsOutputTests
{
    private const string Point = "live/pkg.isml/";

    [Fact]
    public async Task MediaPlaylists_TsAndCmaf_ListTheSameSegmentsWithTheSameSequenceNumbers()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, Point + "Streams(s)")).ShouldBe(HttpStatusCode.OK);

        var multivariant = await silo.Http.GetStringAsync(Point + "manifest(format=m3u8-aapl).m3u8");
        multivariant.ShouldContain("#EXT-X-VERSION:3");
        var (variants, renditions) = Playlists.Multivariant(multivariant);
        variants.Count.ShouldBe(2);
        renditions.Count.ShouldBe(1);
        foreach (var uri in variants.Select(v => v.Uri).Concat(renditions))
        {
            uri.ShouldContain("format=m3u8-aapl");
            var ts = Playlists.Media(await silo.Http.GetStringAsync(Point + uri));
            var cmaf = Playlists.Media(await silo.Http.GetStringAsync(Point + uri.Replace("m3u8-aapl", "m3u8-cmaf", StringComparison.Ordinal)));
            ts.Map.ShouldBeNull("TS segments carry their own PAT/PMT: no EXT-X-MAP");
            ts.MediaSequence.ShouldBe(cmaf.MediaSequence, uri);
            ts.Segments.Select(s => s.Duration).ShouldBe(cmaf.Segments.Select(s => s.Duration), uri);
            ts.Segments.Select(s => Time(s.Uri)).ShouldBe(cmaf.Segments.Select(s => Time(s.Uri)), uri);
            ts.Segments.ShouldAllBe(s => s.Uri.EndsWith(".ts", StringComparison.Ordinal));
            ts.Ended.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Segments_ServedAsTs_AreWholePacketsStartingWithThePat()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, Point + "Streams(s)")).ShouldBe(HttpStatusCode.OK);
        var (variants, renditions) = Playlists.Multivariant(await silo.Http.GetStringAsync(Point + "manifest(format=m3u8-aapl)"));

        foreach (var uri in variants.Select(v => v.Uri).Concat(renditions))
        {
            var playlist = Playlists.Media(await silo.Http.GetStringAsync(Point + uri));
            var folder = uri[..(uri.IndexOf('/', StringComparison.Ordinal) + 1)];
            foreach (var (segment, _) in playlist.Segments)
            {
                using var response = await silo.Http.GetAsync(Point + folder + segment);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, segment);
                response.Content.Headers.ContentType!.MediaType.ShouldBe("video/mp2t");
                var body = await response.Content.ReadAsByteArrayAsync();
                (body.Length % 188).ShouldBe(0, segment);
                body[0].ShouldBe((byte)0x47);
                (((body[1] & 0x1F) << 8) | body[2]).ShouldBe(0, "the PAT comes first (PID 0)");
            }
        }

        // A CMAF header has no TS form.
        (await silo.Http.GetAsync(Point + "QualityLevels(64000)/Fragments(audio=i,format=m3u8-aapl)")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Ffmpeg_CopiesEveryStreamOfTheTsPlaylist_WithoutAnyWarning()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, Point + "Streams(s)")).ShouldBe(HttpStatusCode.OK);

        // -v warning: continuity counter and timestamp problems are reported as warnings; there must be none.
        var (code, _, errors) = await RunAsync("ffmpeg", "-hide_banner", "-nostdin", "-v", "warning", "-i", silo.Url(Point + "manifest(format=m3u8-aapl).m3u8").ToString(), "-map", "0", "-c", "copy", "-f", "null", "-");
        code.ShouldBe(0, errors);
        errors.Trim().ShouldBeEmpty();

        var streams = await Ffprobe.StreamsAsync(silo.Url(Point + "manifest(format=m3u8-aapl-v3)"));
        streams.Where(s => s.CodecType == "video").Select(s => (s.CodecName, s.Width, s.Height)).Distinct().Order().ShouldBe([("h264", 128, 72), ("h264", 160, 90)]);
        streams.Where(s => s.CodecType == "audio").Select(s => s.CodecName).Distinct().ShouldBe(["aac"]);
    }

    [Fact]
    public async Task Gstreamer_HlsdemuxAndTsdemux_ReadEachPlaylistToTheEnd()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, Point + "Streams(s)")).ShouldBe(HttpStatusCode.OK);
        var (variants, renditions) = Playlists.Multivariant(await silo.Http.GetStringAsync(Point + "manifest(format=m3u8-aapl)"));

        foreach (var (uri, parse) in variants.Select(v => (v.Uri, "h264parse")).Concat(renditions.Select(r => (r, "aacparse"))))
        {
            var (code, output, errors) = await RunAsync(
                "gst-launch-1.0", "souphttpsrc", $"location={silo.Url(Point + uri)}", "!", "hlsdemux", "!", "tsdemux", "!", parse, "!", "fakesink");
            code.ShouldBe(0, output + errors);
            output.ShouldContain("Got EOS", customMessage: output + errors);
            errors.ShouldNotContain("ERROR", customMessage: errors);
        }
    }

    private static long Time(string uri) => long.Parse(SegmentTime().Match(uri).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"=(\d+),")]
    private static partial Regex SegmentTime();

    private static async Task<(int Code, string Output, string Errors)> RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bound.Token);
        return (process.ExitCode, await output, await errors);
    }
}
