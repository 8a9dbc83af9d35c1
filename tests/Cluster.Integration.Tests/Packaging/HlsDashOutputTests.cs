using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Packaging;

/// <summary>HLS and DASH packaged on the fly from a Smooth push, read by ffprobe and by spec-following parsers.</summary>
public sealed class HlsDashOutputTests
{
    private const string Hls = "live/pkg.isml/manifest(format=m3u8-cmaf)";
    private const string Dash = "live/pkg.isml/manifest(format=mpd-time-cmaf)";

    [Theory]
    [InlineData(Hls)]
    [InlineData("live/pkg.isml/manifest(format=m3u8-aapl)")]
    [InlineData(Dash)]
    [InlineData("live/pkg.isml/manifest(format=mpd-time-csf)")]
    [InlineData("live/pkg.isml/manifest(format=m3u8-aapl).m3u8")]
    [InlineData("live/pkg.isml/Manifest(format=m3u8-cmaf).m3u8")]
    [InlineData("live/pkg.isml/manifest(format=mpd-time-csf).mpd")]
    [InlineData("live/pkg.isml/Manifest(format=mpd-time-cmaf).mpd")]
    public async Task Ffprobe_StoppedPoint_ReadsBothVideoLevelsAndAudio(string manifest)
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);

        var streams = await Ffprobe.StreamsAsync(silo.Url(manifest));

        streams.Where(s => s.CodecType == "video").Select(s => (s.CodecName, s.Width, s.Height)).Distinct().Order()
            .ShouldBe([("h264", 128, 72), ("h264", 160, 90)]);
        streams.Where(s => s.CodecType == "audio").Select(s => s.CodecName).Distinct().ShouldBe(["aac"]);
    }

    [Fact]
    public async Task Ffprobe_LivePoint_ReadsHlsAndDash()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)", CapturePush.CutInLastFragment())).ShouldBe(HttpStatusCode.BadRequest);

        (await Ffprobe.StreamsAsync(silo.Url(Hls))).Count(s => s.CodecType == "video").ShouldBeGreaterThanOrEqualTo(2);
        (await Ffprobe.StreamsAsync(silo.Url(Dash))).Count(s => s.CodecType == "video").ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Manifests_SmoothHlsAndDash_ListTheSameFragmentsWithTheSameTimes()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);

        var smooth = (await SmoothManifest.TryGetAsync(silo.Http, "live/pkg.isml/Manifest")).ShouldNotBeNull();
        var (mpd, sets) = Playlists.Mpd(await silo.Http.GetStringAsync(Dash));
        ((string)mpd.Attribute("type")!).ShouldBe("static");
        var (variants, renditions) = Playlists.Multivariant(await silo.Http.GetStringAsync(Hls));
        variants.Count.ShouldBe(2);
        renditions.Count.ShouldBe(1);

        foreach (var stream in smooth.Streams)
        {
            var expected = stream.Fragments;
            var set = sets.Single(s => s.ContentType == stream.Type);
            set.Timescale.ShouldBe(smooth.TimeScale);
            set.Segments.ShouldBe(expected, $"DASH {stream.Type}");

            var playlistUris = stream.Type == "video" ? variants.Select(v => v.Uri) : renditions;
            foreach (var uri in playlistUris)
            {
                var playlist = Playlists.Media(await silo.Http.GetStringAsync("live/pkg.isml/" + uri));
                playlist.Ended.ShouldBeTrue();
                playlist.Segments.Count.ShouldBe(expected.Count, uri);
                for (var i = 0; i < expected.Count; i++)
                {
                    playlist.Segments[i].Uri.ShouldContain($"={expected[i].Time.ToString(CultureInfo.InvariantCulture)},");
                    playlist.Segments[i].Duration.ShouldBe(expected[i].Duration / (double)smooth.TimeScale, 0.0005, uri);

                    // RFC 8216 4.3.3.1: each EXTINF rounded to an integer is at most EXT-X-TARGETDURATION.
                    Math.Round(playlist.Segments[i].Duration).ShouldBeLessThanOrEqualTo(playlist.TargetDuration);
                }

                // Timestamp-derived numbering: constant 2 s fragments starting at 0 are numbered time / duration.
                playlist.MediaSequence.ShouldBe(expected[0].Time / expected[0].Duration);
            }
        }
    }

    [Theory]
    [InlineData(Hls)]
    [InlineData("live/pkg.isml/manifest(format=m3u8-aapl)")] // MPEG-2 TS segments: their overhead counts too
    public async Task Hls_Multivariant_BandwidthCoversEverySegmentsPeakRate(string multivariant)
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);
        var (variants, renditions) = Playlists.Multivariant(await silo.Http.GetStringAsync(multivariant));
        var audioPlaylist = Playlists.Media(await silo.Http.GetStringAsync("live/pkg.isml/" + renditions.Single()));
        var audioPeak = await PeakRateAsync(silo, renditions.Single(), audioPlaylist);

        foreach (var (attributes, uri) in variants)
        {
            // RFC 8216 4.3.4.2: BANDWIDTH is the peak segment bit rate of the variant (its audio included);
            // AVERAGE-BANDWIDTH the average.
            var bandwidth = long.Parse(Attribute(attributes, "BANDWIDTH"), CultureInfo.InvariantCulture);
            var average = long.Parse(Attribute(attributes, "AVERAGE-BANDWIDTH"), CultureInfo.InvariantCulture);
            var playlist = Playlists.Media(await silo.Http.GetStringAsync("live/pkg.isml/" + uri));
            var videoPeak = await PeakRateAsync(silo, uri, playlist);

            bandwidth.ShouldBeGreaterThanOrEqualTo(videoPeak + audioPeak, uri);
            average.ShouldBeLessThanOrEqualTo(bandwidth, uri);
            average.ShouldBeGreaterThan(0);
        }
    }

    [Fact]
    public async Task CmafSegments_ServedFromHlsAndDashUrls_AreHeaderPlusTfdtFragmentsOfTheListedTime()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);
        var (_, sets) = Playlists.Mpd(await silo.Http.GetStringAsync(Dash));
        var video = sets.Single(s => s.ContentType == "video");

        foreach (var bandwidth in video.Bandwidths)
        {
            var init = await silo.Http.GetAsync("live/pkg.isml/" + video.Initialization.Replace("$Bandwidth$", bandwidth, StringComparison.Ordinal));
            init.StatusCode.ShouldBe(HttpStatusCode.OK);
            init.Content.Headers.ContentType!.MediaType.ShouldBe("video/mp4");
            var header = await init.Content.ReadAsByteArrayAsync();
            Boxes.Children(header, 0, header.Length).Select(b => b.Type).ShouldBe(["ftyp", "moov"]);

            foreach (var (time, _) in video.Segments)
            {
                var url = "live/pkg.isml/" + video.Media.Replace("$Bandwidth$", bandwidth, StringComparison.Ordinal).Replace("$Time$", time.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                using var response = await silo.Http.GetAsync(url);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                response.Headers.CacheControl!.MaxAge.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.FromDays(1));
                var body = await response.Content.ReadAsByteArrayAsync();
                var top = Boxes.Children(body, 0, body.Length);
                top.Select(b => b.Type).ShouldBe(["styp", "moof", "mdat"]);
                var moof = top[1];
                var traf = Boxes.Single(Boxes.Children(body, moof.PayloadOffset, moof.Offset + moof.Size), "traf");
                var children = Boxes.Children(body, traf.PayloadOffset, traf.Offset + traf.Size);
                children.Any(b => b.Uuid is not null).ShouldBeFalse("no Smooth-only uuid boxes in CMAF");
                var tfdt = Boxes.Single(children, "tfdt");
                var version = body[tfdt.PayloadOffset];
                var decodeTime = version == 1
                    ? (long)BinaryPrimitives.ReadUInt64BigEndian(body.AsSpan(tfdt.PayloadOffset + 4))
                    : BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(tfdt.PayloadOffset + 4));
                decodeTime.ShouldBe(time);

                // tfhd default-base-is-moof (ISO/IEC 14496-12 8.8.7), as CMAF requires.
                var tfhd = Boxes.Single(children, "tfhd");
                (BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(tfhd.PayloadOffset)) & 0x020000).ShouldBe(0x020000u);
            }
        }
    }

    [Fact]
    public async Task Fragment_OutsideDvrWindow_Answers410AndManifestsStartInsideIt()
    {
        await using var silo = await InProcessSilo.StartAsync();
        using (var put = await silo.Http.PutAsync(
            "admin/publishing-points/live/dvr",
            new StringContent("""{"dvrWindowLength":"00:00:02"}""", MediaTypeHeaderValue.Parse("application/json"))))
        {
            put.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await CapturePush.PushAsync(silo, "live/dvr.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);

        using var gone = await silo.Http.GetAsync("live/dvr.isml/QualityLevels(200000)/Fragments(video=0,format=mpd-time-cmaf)");
        gone.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var (_, sets) = Playlists.Mpd(await silo.Http.GetStringAsync("live/dvr.isml/manifest(format=mpd-time-cmaf)"));
        sets.Single(s => s.ContentType == "video").Segments.ShouldBe([(20_000_000L, 20_000_000L)]);
        var smooth = (await SmoothManifest.TryGetAsync(silo.Http, "live/dvr.isml/Manifest")).ShouldNotBeNull();
        smooth.Single("video").Fragments.ShouldBe([(20_000_000L, 20_000_000L)]);
    }

    [Fact]
    public async Task Manifests_ConditionalGet_Answers304AndCarriesTypesAndCaching()
    {
        await using var silo = await InProcessSilo.StartAsync();
        (await CapturePush.PushAsync(silo, "live/pkg.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK);

        foreach (var (url, type) in new[] { (Hls, "application/vnd.apple.mpegurl"), (Dash, "application/dash+xml"), ("live/pkg.isml/Manifest", "text/xml") })
        {
            using var first = await silo.Http.GetAsync(url);
            first.Content.Headers.ContentType!.MediaType.ShouldBe(type);
            var etag = first.Headers.ETag.ShouldNotBeNull();
            first.Content.Headers.LastModified.ShouldNotBeNull();

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            using var second = await silo.Http.SendAsync(request);
            second.StatusCode.ShouldBe(HttpStatusCode.NotModified, url);
        }
    }

    private static string Attribute(string tag, string name) =>
        tag.Split(':', 2)[1].Split(',').Select(a => a.Split('=', 2)).Single(a => a[0] == name)[1];

    /// <summary>Largest media-data rate over a playlist's segments (mdat payload bits / EXTINF seconds).</summary>
    private static async Task<long> PeakRateAsync(InProcessSilo silo, string playlistUri, Playlists.MediaPlaylist playlist)
    {
        var baseUri = new Uri(silo.Url("live/pkg.isml/"), playlistUri);
        long peak = 0;
        foreach (var (uri, duration) in playlist.Segments)
        {
            var body = await silo.Http.GetByteArrayAsync(new Uri(baseUri, uri));

            // A TS segment counts whole (packets, PES and ADTS headers are fetched too); a CMAF one by its media data.
            var size = body[0] == 0x47 ? body.Length : Boxes.Children(body, 0, body.Length).Single(b => b.Type == "mdat").PayloadSize;

            // EXTINF has three decimals; the longest duration it can stand for keeps the estimate a lower bound.
            peak = Math.Max(peak, (long)Math.Floor(size * 8 / (duration + 0.0005)));
        }

        return peak;
    }

    [Fact]
    public async Task Time_ForDashClients_AnswersIsoUtcTime()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var text = await silo.Http.GetStringAsync("time");
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }
}
