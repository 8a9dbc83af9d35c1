using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Packaging;

/// <summary>Viewers: headless Chromium playing the live HLS output with hls.js and the live DASH output with dash.js.</summary>
public sealed class HlsDashBrowserTests
{
    [Theory]
    [InlineData("manifest(format=m3u8-cmaf)")]
    [InlineData("manifest(format=mpd-time-cmaf)")]
    [InlineData("manifest(format=m3u8-aapl).m3u8")] // seed 001's HTML5 page
    [InlineData("Manifest(format=mpd-time-csf).mpd")]
    public async Task Play_LiveOutput_CurrentTimeAdvancesWithoutError(string manifest)
    {
        await using var silo = await InProcessSilo.StartAsync();
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("live/web.isml/"), realTime: true, seconds: 60, gopFrames: 25));
        await SmoothManifest.WaitForFragmentsAsync(silo.Http, "live/web.isml/Manifest", 4, () => ffmpeg.Log);

        await using var player = await PlayerPage.OpenAsync(silo.Url("live/web.isml/" + manifest));
        var result = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));

        result.Advanced(2).ShouldBeTrue($"{result}\n{player.ConsoleLog}");
    }

    [Fact]
    public async Task Seek_TwentySecondsBackInLiveHls_KeepsPlaying()
    {
        await using var silo = await InProcessSilo.StartAsync();
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("live/dvr.isml/"), realTime: true, seconds: 90, gopFrames: 25));
        await SmoothManifest.WaitForFragmentsAsync(silo.Http, "live/dvr.isml/Manifest", 26, () => ffmpeg.Log);

        await using var player = await PlayerPage.OpenAsync(silo.Url("live/dvr.isml/manifest(format=m3u8-cmaf)"));
        var live = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));
        live.Advanced(2).ShouldBeTrue($"{live}\n{player.ConsoleLog}");

        var target = await player.SeekBackAsync(20);
        var afterSeek = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));

        afterSeek.Advanced(2).ShouldBeTrue($"{afterSeek}\n{player.ConsoleLog}");
        afterSeek.Start!.Value.ShouldBeLessThan(live.Time - 15, "playback resumed inside the DVR window, not at the live edge");
        afterSeek.Start.Value.ShouldBe(target, 3);
    }
}
