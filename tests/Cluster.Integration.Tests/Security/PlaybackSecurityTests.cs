using System.Net;
using System.Net.Http.Json;
using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Security;
using Cluster.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Integration.Tests.Security;

/// <summary>Signed playback tokens on a protected point, as players (hls.js, dash.js, Shaka) and intruders fetch it.</summary>
public sealed class PlaybackSecurityTests
{
    private const string FirstSecret = "first-playback-secret-0123456789-abc";
    private const string SecondSecret = "second-playback-secret-0123456789-ab";

    private static readonly string[] Protection =
    [
        "--Cluster:Security:Playback:ProtectedPaths:0=secure",
        "--Cluster:Security:Playback:Keys:0:Id=k1", $"--Cluster:Security:Playback:Keys:0:Secret={FirstSecret}",
        "--Cluster:Security:Playback:Keys:1:Id=k2", $"--Cluster:Security:Playback:Keys:1:Secret={SecondSecret}",
    ];

    public static TheoryData<string> Manifests() =>
    [
        "Manifest",
        "manifest(format=m3u8-cmaf)",
        "manifest(format=mpd-time-cmaf)",
        "manifest(format=m3u8-aapl)",
    ];

    [Theory]
    [MemberData(nameof(Manifests))]
    public async Task Manifest_WithoutOrWithBadToken_Answers403AndWithTokenEveryListedUrlPlays(string manifest)
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await PushAsync(silo, "secure/vod");
        var token = await MintAsync(silo, "secure/vod");
        var url = $"secure/vod.isml/{manifest}";

        (await StatusAsync(silo, url)).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{url}?token=")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{url}?token={token[..^3]}abc")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{url}?token={PlaybackToken.Create("k1", FirstSecret, "secure/vod", DateTimeOffset.UtcNow.AddSeconds(-5))}")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{url}?token={PlaybackToken.Create("k1", FirstSecret, "secure/other", DateTimeOffset.UtcNow.AddHours(1))}")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{url}?token={PlaybackToken.Create("k9", FirstSecret, "secure", DateTimeOffset.UtcNow.AddHours(1))}")).ShouldBe(HttpStatusCode.Forbidden);
        silo.Warnings.WithEvent(2020).Count.ShouldBe(6);

        var fetched = await FollowAsync(silo, new Uri(silo.Address, $"{url}?token={token}"), token);

        fetched.ShouldBeGreaterThan(2, "the manifest, and through it playlists, headers and fragments");
    }

    [Fact]
    public async Task Fragment_WithoutToken_Answers403_WithTokenOfTheSecondKey_200()
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await PushAsync(silo, "secure/frag");
        var second = PlaybackToken.Create("k2", SecondSecret, "secure", DateTimeOffset.UtcNow.AddMinutes(10));
        var manifest = await silo.Http.GetStringAsync($"secure/frag.isml/Manifest?token={second}");
        var start = System.Xml.Linq.XDocument.Parse(manifest).Descendants("StreamIndex").First(s => (string?)s.Attribute("Type") == "video").Element("c")!.Attribute("t")!.Value;
        var bitrate = System.Xml.Linq.XDocument.Parse(manifest).Descendants("QualityLevel").First().Attribute("Bitrate")!.Value;
        var fragment = $"secure/frag.isml/QualityLevels({bitrate})/Fragments(video={start})";

        (await StatusAsync(silo, fragment)).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, $"{fragment}?token={second}")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ProtectedPoint_ServerPullWithoutSharedKey_Answers403_AndFragmentsArePrivate()
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await PushAsync(silo, "secure/pull");
        var token = PlaybackToken.Create("k1", FirstSecret, "secure", DateTimeOffset.UtcNow.AddMinutes(10));

        (await StatusAsync(silo, "secure/pull.isml/Streams(video-600k)")).ShouldBe(HttpStatusCode.Forbidden);
        using var manifest = await silo.Http.GetAsync($"secure/pull.isml/manifest(format=mpd-time-cmaf)?token={token}");
        manifest.Headers.CacheControl!.Private.ShouldBeTrue();
        manifest.Headers.CacheControl.Public.ShouldBeFalse();
    }

    [Fact]
    public async Task ArchiveOfAProtectedPoint_NeedsATokenForThePoint()
    {
        await using var silo = await InProcessSilo.StartAsync([.. Protection, "--Cluster:PublishingPoints:Defaults:Archive:Enabled=true"]);
        await PushAsync(silo, "secure/rec");
        var sessions = await silo.Http.GetStringAsync("admin/publishing-points/secure/rec");
        var session = System.Text.Json.JsonDocument.Parse(sessions).RootElement;
        var archive = await ArchivePathAsync(silo, "secure/rec");
        var token = PlaybackToken.Create("k1", FirstSecret, "secure/rec", DateTimeOffset.UtcNow.AddMinutes(10));

        (await StatusAsync(silo, $"{archive}.isml/Manifest")).ShouldBe(HttpStatusCode.Forbidden, session.ToString());
        (await StatusAsync(silo, $"{archive}.isml/Manifest?token={token}")).ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(true, HttpStatusCode.OK)]
    [InlineData(false, HttpStatusCode.Forbidden)]
    public async Task AddressBoundToken_BehindAKnownProxy_SeesTheForwardedClient(bool proxyKnown, HttpStatusCode expected)
    {
        string[] proxy = proxyKnown ? ["--Cluster:Security:KnownProxies:0=127.0.0.1"] : [];
        await using var silo = await InProcessSilo.StartAsync([.. Protection, .. proxy]);
        await PushAsync(silo, "secure/viewer");
        var token = PlaybackToken.Create("k1", FirstSecret, "secure", DateTimeOffset.UtcNow.AddMinutes(10), "203.0.113.5");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"secure/viewer.isml/Manifest?token={token}");
        request.Headers.Add("X-Forwarded-For", "203.0.113.5");

        using var response = await silo.Http.SendAsync(request);

        response.StatusCode.ShouldBe(expected, "X-Forwarded-For counts only from a configured proxy");
    }

    [Fact]
    public async Task UnprotectedPoint_PlaysWithoutToken()
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await PushAsync(silo, "open/vod");

        (await StatusAsync(silo, "open/vod.isml/Manifest")).ShouldBe(HttpStatusCode.OK);
        (await StatusAsync(silo, "securely/vod.isml/Manifest")).ShouldBe(HttpStatusCode.NotFound, "not protected (and not there)");
    }

    [Fact]
    public async Task TokenManifest_IsPrivateWithItsOwnETag()
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await PushAsync(silo, "secure/cache");
        var first = PlaybackToken.Create("k1", FirstSecret, "secure", DateTimeOffset.UtcNow.AddMinutes(10));
        var second = PlaybackToken.Create("k2", SecondSecret, "secure", DateTimeOffset.UtcNow.AddMinutes(10));

        using var a = await silo.Http.GetAsync($"secure/cache.isml/Manifest?token={first}");
        using var b = await silo.Http.GetAsync($"secure/cache.isml/Manifest?token={second}");

        a.Headers.CacheControl!.Private.ShouldBeTrue();
        a.Headers.CacheControl.Public.ShouldBeFalse();
        a.Headers.ETag!.Tag.ShouldNotBe(b.Headers.ETag!.Tag);
    }

    [Theory]
    [InlineData("manifest(format=m3u8-cmaf)", null)]
    [InlineData("manifest(format=mpd-time-cmaf)", null)]
    [InlineData("Manifest", null)]
    [InlineData("manifest(format=mpd-time-cmaf)", "shaka")]
    [InlineData("manifest(format=m3u8-cmaf)", "shaka")]
    public async Task Player_ProtectedLiveStream_PlaysWithTheTokenOnEveryRequest(string manifest, string? player)
    {
        await using var silo = await InProcessSilo.StartAsync(Protection);
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("secure/live.isml/"), realTime: true, seconds: 60, gopFrames: 25));
        var token = await MintAsync(silo, "secure/live");
        await SmoothManifest.WaitForFragmentsAsync(silo.Http, $"secure/live.isml/Manifest?token={token}", 4, () => ffmpeg.Log);

        await using var page = await PlayerPage.OpenAsync(silo.Url($"secure/live.isml/{manifest}?token={token}"), player);
        var result = await page.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));

        result.Advanced(2).ShouldBeTrue($"{result}\n{page.ConsoleLog}");
        var toSilo = page.RequestedUrls.Where(u => u.StartsWith(silo.Address.ToString(), StringComparison.Ordinal) && !u.EndsWith("/time", StringComparison.Ordinal)).ToArray();
        toSilo.Length.ShouldBeGreaterThan(3);
        toSilo.ShouldAllBe(u => u.Contains("token=" + token, StringComparison.Ordinal));
        silo.Warnings.WithEvent(2020).ShouldBeEmpty();
    }

    [Fact]
    public async Task OnPlayHook_AnswersArePerSessionAndRefusalsAre403()
    {
        await using var hook = await OnPlayHook.StartAsync(allowed: "viewer-ok");
        await using var silo = await InProcessSilo.StartAsync(
            "--Cluster:Security:Playback:ProtectedPaths:0=hooked", $"--Cluster:Security:Playback:OnPlay:Url={hook.Url}");
        await PushAsync(silo, "hooked/vod");

        for (var i = 0; i < 10; i++)
        {
            (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=viewer-ok")).ShouldBe(HttpStatusCode.OK);
        }

        (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=viewer-bad")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=viewer-bad")).ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=bad<char>")).ShouldBe(HttpStatusCode.Forbidden);
        hook.Calls.ShouldBe(2, "one call per session, the answer kept");
        hook.LastBody.ShouldContain("\"path\":\"hooked/vod\"");

        await hook.DisposeAsync();
        (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=viewer-new")).ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await StatusAsync(silo, "hooked/vod.isml/Manifest?token=viewer-ok")).ShouldBe(HttpStatusCode.OK, "a session already allowed keeps playing");
    }

    /// <summary>
    /// Pushes 6 s with ffmpeg and waits until the node has read the whole body (the point is Stopped): ffmpeg exits once
    /// its bytes are in the socket, which on a loaded machine can be before the node has parsed even the header.
    /// </summary>
    private static async Task PushAsync(InProcessSilo silo, string point)
    {
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url(point + ".isml/"), realTime: false, seconds: 6));
        (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(90))).ShouldBe(0, ffmpeg.Log);
        var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IPublishingPointGrain>(point);
        await Eventually.UntilAsync(
            async () => (await grain.GetStatusAsync()).State == PublishingPointState.Stopped,
            TimeSpan.FromSeconds(30),
            () => $"{point} did not reach Stopped after ffmpeg's push ended\n{ffmpeg.Log}");
    }

    /// <summary>The archived session's playback path, once the recording is listed.</summary>
    private static async Task<string> ArchivePathAsync(InProcessSilo silo, string point)
    {
        var folder = Path.Combine(silo.DataPath, "archive", point.Replace('/', Path.DirectorySeparatorChar));
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (Directory.Exists(folder) && Directory.EnumerateDirectories(folder).FirstOrDefault() is { } session
                && File.Exists(Path.Combine(session, "archive.json")))
            {
                return $"archive/{point}/{Path.GetFileName(session)}";
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No archived session of {point} under {folder}.");
    }

    private static async Task<string> MintAsync(InProcessSilo silo, string prefix)
    {
        using var response = await silo.Http.PostAsJsonAsync("admin/playback-tokens", new { pathPrefix = prefix, validFor = "00:10:00" });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("token").GetString()!;
    }

    private static async Task<HttpStatusCode> StatusAsync(InProcessSilo silo, string url)
    {
        using var response = await silo.Http.GetAsync(url);
        return response.StatusCode;
    }

    /// <summary>
    /// Fetches a manifest and what it lists the way a player resolves URLs (relative to the document), checking that
    /// each listed URL carries the token and answers 200; returns how many documents and segments were fetched.
    /// </summary>
    private static async Task<int> FollowAsync(InProcessSilo silo, Uri manifest, string token)
    {
        using var response = await silo.Http.GetAsync(manifest);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        var listed = ListedUrls(text).ToArray();
        listed.ShouldNotBeEmpty(text);
        listed.ShouldAllBe(u => u.Contains("token=" + token, StringComparison.Ordinal), text);
        var fetched = 1;
        foreach (var relative in listed.Take(3))
        {
            var target = new Uri(manifest, relative);
            if (relative.Contains("Manifest(", StringComparison.Ordinal) || relative.Contains(".m3u8", StringComparison.Ordinal))
            {
                fetched += await FollowAsync(silo, target, token);
                continue;
            }

            (await StatusAsync(silo, target.PathAndQuery)).ShouldBe(HttpStatusCode.OK, target.ToString());
            (await StatusAsync(silo, target.AbsolutePath)).ShouldBe(HttpStatusCode.Forbidden, "the same URL without its token");
            fetched++;
        }

        return fetched;
    }

    /// <summary>Concrete URLs of a manifest: HLS URIs, a DASH template filled with the first representation's values, a Smooth fragment.</summary>
    private static IEnumerable<string> ListedUrls(string text)
    {
        if (text.StartsWith("#EXTM3U", StringComparison.Ordinal))
        {
            foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (line[0] != '#')
                {
                    yield return line;
                }
                else if (System.Text.RegularExpressions.Regex.Match(line, "URI=\"([^\"]+)\"") is { Success: true } m)
                {
                    yield return m.Groups[1].Value;
                }
            }

            yield break;
        }

        var xml = System.Xml.Linq.XDocument.Parse(text);
        foreach (var element in xml.Descendants())
        {
            if (element.Name.LocalName == "SegmentTemplate")
            {
                var bandwidth = element.Parent!.Descendants().First(e => e.Name.LocalName == "Representation").Attribute("bandwidth")!.Value;
                var time = element.Descendants().First(e => e.Name.LocalName == "S").Attribute("t")!.Value;
                yield return element.Attribute("initialization")!.Value.Replace("$Bandwidth$", bandwidth, StringComparison.Ordinal);
                yield return element.Attribute("media")!.Value.Replace("$Bandwidth$", bandwidth, StringComparison.Ordinal).Replace("$Time$", time, StringComparison.Ordinal);
            }
            else if (element.Name.LocalName == "StreamIndex")
            {
                var bitrate = element.Element("QualityLevel")!.Attribute("Bitrate")!.Value;
                var time = element.Element("c")!.Attribute("t")!.Value;
                yield return element.Attribute("Url")!.Value.Replace("{bitrate}", bitrate, StringComparison.Ordinal).Replace("{start time}", time, StringComparison.Ordinal);
            }
        }
    }
}
