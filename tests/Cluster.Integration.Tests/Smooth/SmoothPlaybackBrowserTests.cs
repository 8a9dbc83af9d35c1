using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Smooth;

/// <summary>A viewer: headless Chromium with dash.js (its Smooth Streaming support) playing the live manifest.</summary>
public sealed class SmoothPlaybackBrowserTests
{
    [Fact]
    public async Task Play_LiveSmoothManifestWithDashJs_CurrentTimeAdvancesWithoutError()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var point = silo.Url("live/browser.isml/");
        await using var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(point, realTime: true, seconds: 60, gopFrames: 25));

        // Let a few one-second fragments arrive so the player has a live edge to start behind.
        SmoothManifest? manifest = null;
        for (var attempt = 0; attempt < 300 && (manifest is null || manifest.Streams.Count < 2 || manifest.Single("video").Fragments.Count < 4); attempt++)
        {
            await Task.Delay(100);
            manifest = await SmoothManifest.TryGetAsync(silo.Http, "live/browser.isml/Manifest");
        }

        manifest.ShouldNotBeNull(ffmpeg.Log);
        await using var player = await PlayerPage.OpenAsync(silo.Url("live/browser.isml/Manifest"));
        var result = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));

        result.Advanced(2).ShouldBeTrue($"{result}\n{player.ConsoleLog}");
    }
}
