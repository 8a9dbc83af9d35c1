using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Tests.Archive;
using Cluster.Media.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Grains.Tests.Tiers;

/// <summary>
/// A pull input against real HTTP upstreams that misbehave (issue: "an upstream that sends garbage, repeats or rewinds
/// timestamps, stalls, or answers errors is logged and failed over, never trusted into the index"), with a good backup.
/// </summary>
public sealed class StreamPullInputTests
{
    private const int FragmentsPerTrack = 6;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Pull_PrimaryAnswersErrors_FailsOverAndHoldsTheBackupsStream()
    {
        var (tracks, fragments) = await StreamAsync();
        await using var bad = await ScriptedUpstream.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("busy");
        });

        var status = await PullAsync(bad, tracks, fragments);

        status.PullInput!.LastError.ShouldNotBeNull().ShouldContain("503");
        bad.Requests.Count.ShouldBe(2, "the primary is tried once and retried once (RetryCount 1) before the backup");
    }

    [Fact]
    public async Task Pull_PrimarySendsGarbage_FailsOverAndNothingOfItIsHeld()
    {
        var (tracks, fragments) = await StreamAsync();
        await using var bad = await ScriptedUpstream.StartAsync(async context =>
        {
            var garbage = new byte[4096];
            new Random(7).NextBytes(garbage);
            await context.Response.Body.WriteAsync(garbage);
        });

        await PullAsync(bad, tracks, fragments);
    }

    [Fact]
    public async Task Pull_PrimaryRewinds_KeepsWhatCameBeforeAndResumesFromTheBackupWithoutGapOrDuplicate()
    {
        var (tracks, fragments) = await StreamAsync();
        await using var bad = await ScriptedUpstream.StartAsync(async context =>
        {
            // A replica of the same session (same id) that goes wrong.
            context.Response.Headers[Cluster.Contracts.Tiers.TierHeaders.Session] = "S1";
            await context.Response.Body.WriteAsync(Cluster.Media.Smooth.SmoothStreamWriter.WriteHeader(tracks));
            for (var i = 0; i < 3; i++)
            {
                await ScriptedUpstream.WriteFragmentAsync(context, fragments[0][i], 1, (uint)(i + 1));
            }

            // Fragment 1 again, with other bytes: a rewind the index must not take.
            var rewound = fragments[0][1];
            await ScriptedUpstream.WriteFragmentAsync(context, new Fragment(rewound.Time, rewound.Samples, new byte[rewound.Data.Length]), 1, 4);
        });
        await using var good = await GoodAsync(tracks, fragments);

        await PullAsync(bad, tracks, fragments, good);

        // The backup was asked for what follows the last fragment held, not for the whole stream again.
        good.Requests.ShouldContain(r => r.Contains($"{tracks[0].Name}_{tracks[0].Bitrate}:{fragments[0][2].Time}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pull_PrimaryStalls_FailsOverAfterTheStallTimeout()
    {
        var (tracks, fragments) = await StreamAsync();
        await using var bad = await ScriptedUpstream.StartAsync(context => ScriptedUpstream.ServeAsync(context, tracks, [fragments[0].Take(2).ToList(), []], "S1", end: false));

        var status = await PullAsync(bad, tracks, fragments);

        status.PullInput!.LastError.ShouldNotBeNull().ShouldContain("stall");
    }

    private static async Task<(IReadOnlyList<TrackInfo> Tracks, IReadOnlyList<IReadOnlyList<Fragment>> Fragments)> StreamAsync()
    {
        var capture = await ArchiveCapture.GetAsync();
        return ([capture.Tracks[0], capture.Tracks[2]], [capture.Fragments[0].Take(FragmentsPerTrack).ToList(), capture.Fragments[2].Take(FragmentsPerTrack).ToList()]);
    }

    private static Task<ScriptedUpstream> GoodAsync(IReadOnlyList<TrackInfo> tracks, IReadOnlyList<IReadOnlyList<Fragment>> fragments) =>
        ScriptedUpstream.StartAsync(context => ScriptedUpstream.ServeAsync(context, tracks, fragments, "S1"));

    /// <summary>Pulls into a fresh point from [bad, good]; checks the point ends holding exactly the good stream and failed over.</summary>
    private static async Task<PublishingPointStatus> PullAsync(
        ScriptedUpstream bad, IReadOnlyList<TrackInfo> tracks, IReadOnlyList<IReadOnlyList<Fragment>> fragments, ScriptedUpstream? backup = null)
    {
        await using var good = backup is null ? await GoodAsync(tracks, fragments) : null;
        var goodUrl = (backup ?? good!).PointUrl;
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/down");
        await point.ConfigureAsync(new PublishingPointSettings
        {
            DvrWindowLength = TimeSpan.Zero,
            PullInput = new PullInputSettings { Urls = [bad.PointUrl, goodUrl], RetryCount = 1, RetryDelay = TimeSpan.Zero, StallTimeout = TimeSpan.FromMilliseconds(500) },
        });

        // The upstream's mfra ends the session here too. The host's clock moves on meanwhile: stall timeouts run on it.
        var status = await EventuallyAsync(point, s => s.State == PublishingPointState.Stopped, host.Clock);

        status.PullInput.ShouldNotBeNull();
        status.PullInput.ActiveUrl.ShouldBe(goodUrl);
        status.PullInput.Failovers.ShouldBeGreaterThanOrEqualTo(1);
        for (var t = 0; t < tracks.Count; t++)
        {
            var timeline = await host.Grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey("live/down", tracks[t].Name, tracks[t].Bitrate)).GetTimelineAsync();
            var held = Enumerable.Range(0, timeline.Count).Select(i => timeline[i]).ToList();
            held.Select(f => (f.Time, f.Duration)).ShouldBe(fragments[t].Select(f => (f.Time, f.Duration)), $"track {t}: the upstream's times and boundaries, once each");
            for (var i = 0; i < held.Count; i++)
            {
                held[i].Data.ToArray().ShouldBe(fragments[t][i].Data.ToArray(), $"track {t} fragment {i} media bytes");
            }
        }

        return status;
    }

    /// <summary>Polls the point's status until <paramref name="condition"/> holds; each poll moves <paramref name="clock"/> on by 100 ms when given.</summary>
    private static async Task<PublishingPointStatus> EventuallyAsync(IPublishingPointGrain point, Func<PublishingPointStatus, bool> condition, FakeTimeProvider? clock = null)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (true)
        {
            var status = await point.GetStatusAsync();
            if (condition(status))
            {
                return status;
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"The point did not get there within {Bound}: {status.State}, pull input {status.PullInput}");
            }

            clock?.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
