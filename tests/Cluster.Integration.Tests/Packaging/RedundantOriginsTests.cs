using System.Globalization;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Packaging;

/// <summary>
/// Two origins, each fed by its own encoder pushing the same stream with the same clock (timestamps counted from the
/// Unix epoch, DASH-IF ingest's recommendation): each manifest URL answers the same bytes on both, and a player whose
/// requests move from one origin to the other mid-stream (a CDN or DNS failover) keeps playing.
/// </summary>
public sealed class RedundantOriginsTests
{
    [Fact]
    public async Task Manifests_TwoOriginsFedByRedundantEncoders_AnswerTheSameBytes()
    {
        await using var origins = await Origins.StartAsync();

        foreach (var resource in SameBytes.Manifests)
        {
            await SameBytes.AssertAsync(origins.A.Http, resource, origins.A.Url(Origins.Point), origins.B.Url(Origins.Point));
        }
    }

    [Theory]
    [InlineData("manifest(format=m3u8-cmaf)")]
    [InlineData("manifest(format=mpd-time-cmaf)")]
    public async Task Play_RequestsMoveToTheOtherOriginMidStream_PlaybackGoesOn(string manifest)
    {
        await using var origins = await Origins.StartAsync();
        await using var player = await PlayerPage.OpenAsync(origins.A.Url(Origins.Point + manifest));
        var before = await player.WaitForPlaybackAsync(seconds: 2, TimeSpan.FromSeconds(45));
        before.Advanced(2).ShouldBeTrue($"{before}\n{player.ConsoleLog}");

        var toB = await player.SwitchOriginAsync(origins.A.Url("/"), origins.B.Url("/"));
        var after = await player.WaitForPlaybackAsync(seconds: 6, TimeSpan.FromSeconds(45));

        after.Advanced(6).ShouldBeTrue($"after the switch: {after}\n{player.ConsoleLog}");
        toB().ShouldBeGreaterThan(0, "the player's requests went to origin B");
    }

    /// <summary>Two nodes and their encoders: the same test pattern, x264 on one thread (same bytes), the same timestamp offset.</summary>
    private sealed class Origins : IAsyncDisposable
    {
        public const string Point = "live/twin.isml/";

        private Origins(InProcessSilo a, InProcessSilo b, Ffmpeg encoderA, Ffmpeg encoderB)
        {
            (A, B, EncoderA, EncoderB) = (a, b, encoderA, encoderB);
        }

        public InProcessSilo A { get; }

        public InProcessSilo B { get; }

        private Ffmpeg EncoderA { get; }

        private Ffmpeg EncoderB { get; }

        public static async Task<Origins> StartAsync()
        {
            var a = await InProcessSilo.StartAsync();
            var b = await InProcessSilo.StartAsync();
            var offset = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 2 * 2).ToString(CultureInfo.InvariantCulture);
            string Push(InProcessSilo node) =>
                $"{Ffmpeg.TestPattern(realTime: true, seconds: 90, "320x180")} -map 0:v -map 1:a {Ffmpeg.H264(300, gopFrames: 50)} -threads 1 " +
                $"-c:a aac -b:a 64k -output_ts_offset {offset} {Ffmpeg.SmoothOutput(node.Url(Point + "Streams(twin)"))}";
            var origins = new Origins(a, b, Ffmpeg.Start(Push(a)), Ffmpeg.Start(Push(b)));
            foreach (var node in new[] { a, b })
            {
                SmoothManifest? manifest = null;
                for (var attempt = 0; attempt < 300 && (manifest is null || manifest.Single("video").Fragments.Count < 3); attempt++)
                {
                    await Task.Delay(100);
                    manifest = await SmoothManifest.TryGetAsync(node.Http, Point + "Manifest");
                }

                manifest.ShouldNotBeNull($"{origins.EncoderA.Log}\n{origins.EncoderB.Log}").Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(3);
            }

            return origins;
        }

        public async ValueTask DisposeAsync()
        {
            await EncoderA.DisposeAsync();
            await EncoderB.DisposeAsync();
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }
}
