using System.Text;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.PublishingPoints;

/// <summary>
/// One wall clock per session (the UTC time of media time 0), decided where the stream enters and adopted by every
/// node after it, so manifests built on it are the same bytes everywhere.
/// </summary>
public sealed class SessionAnchorTests
{
    private const long Second = 10_000_000;
    private static readonly DateTimeOffset Entry = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromArrival_FragmentEndingAt6sArrivingAt10_AnchorIs4sBefore() =>
        SessionAnchor.FromArrival(Entry, 6 * Second, Second).ShouldBe(Entry.AddSeconds(-6));

    [Fact]
    public void FromArrival_TimestampsCountedFromTheUnixEpoch_AnchorIsTheEpochWhateverTheLatency()
    {
        // DASH-IF live media ingest: media time since 1970 means availabilityStartTime 1970-01-01T00:00:00Z.
        var mediaEnd = (long)(Entry - DateTimeOffset.UnixEpoch).TotalSeconds * 90_000;

        SessionAnchor.FromArrival(Entry.AddMilliseconds(37), mediaEnd, 90_000).ShouldBe(DateTimeOffset.UnixEpoch);
        SessionAnchor.FromArrival(Entry.AddMilliseconds(412), mediaEnd, 90_000).ShouldBe(DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Format_ThenTryParse_KeepsEveryTick()
    {
        var anchor = Entry.AddTicks(1_234_567);

        SessionAnchor.TryParse(SessionAnchor.Format(anchor), out var parsed).ShouldBeTrue();
        parsed.ShouldBe(anchor);
        SessionAnchor.TryParse("yesterday", out _).ShouldBeFalse();
        SessionAnchor.TryParse(null, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task ProposeAnchor_FirstOfferWins_AndEveryTrackAndTheStatusCarryIt()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var admission = await point.OpenIngestAsync(Opening(null, GrainHost.Video(400_000), GrainHost.Audio()), createIfMissing: true);
        admission.Anchor.ShouldBeNull("nothing decided the clock yet");

        (await point.ProposeAnchorAsync(admission.SessionEpoch, Entry)).ShouldBe(Entry);
        (await point.ProposeAnchorAsync(admission.SessionEpoch, Entry.AddSeconds(1))).ShouldBe(Entry, "the first offer stands");

        (await point.GetStatusAsync()).Anchor.ShouldBe(Entry);
        foreach (var key in admission.TrackKeys)
        {
            (await host.Grains.GetGrain<ITrackGrain>(key).GetTimelineAsync()).Anchor.ShouldBe(Entry);
        }
    }

    [Fact]
    public async Task OpenIngest_TheTierAboveSendsItsClock_ItReplacesTheOneDecidedHereForEveryTrack()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var first = await point.OpenIngestAsync(Opening(null, GrainHost.Video(400_000)), createIfMissing: true);
        await point.ProposeAnchorAsync(first.SessionEpoch, Entry.AddSeconds(3));

        var upstream = Entry.AddTicks(77);
        var second = await point.OpenIngestAsync(Opening(upstream, GrainHost.Audio()) with { ConnectionId = "c2" }, createIfMissing: true);

        second.Anchor.ShouldBe(upstream);
        (await host.Grains.GetGrain<ITrackGrain>(first.TrackKeys[0]).GetTimelineAsync()).Anchor.ShouldBe(upstream);
        (await host.Grains.GetGrain<ITrackGrain>(second.TrackKeys[0]).GetTimelineAsync()).Anchor.ShouldBe(upstream);
    }

    [Fact]
    public async Task Manifests_TwoNodesWithTheSameFragmentsAndClock_AnswerTheSameBytesAndETags()
    {
        // Two silos (two processes' worth of state): fragments arrive at each at other times, the clock is the entry's.
        await using var a = new GrainHost();
        await using var b = new GrainHost();
        b.Clock.Advance(TimeSpan.FromMilliseconds(77));
        var documents = new List<ManifestDocument?>[2];
        var hosts = new[] { a, b };
        for (var n = 0; n < 2; n++)
        {
            var point = hosts[n].Grains.GetGrain<IPublishingPointGrain>("live/same");
            var admission = await point.OpenIngestAsync(Opening(Entry, Video, GrainHost.Audio()), createIfMissing: true);
            for (var i = 0; i < 3; i++)
            {
                hosts[n].Clock.Advance(TimeSpan.FromSeconds(2));
                foreach (var key in admission.TrackKeys)
                {
                    await hosts[n].Grains.GetGrain<ITrackGrain>(key).AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(i * 2 * Second, 2 * Second));
                }
            }

            documents[n] =
            [
                await point.GetManifestAsync(ManifestFormat.Smooth),
                await point.GetManifestAsync(ManifestFormat.Dash),
                await point.GetManifestAsync(ManifestFormat.Hls),
                await point.GetMediaPlaylistAsync("video", 400_000, ManifestFormat.Hls),
                await point.GetMediaPlaylistAsync("audio", 64_000, ManifestFormat.HlsTs),
            ];
        }

        for (var d = 0; d < documents[0].Count; d++)
        {
            var (left, right) = (documents[0][d].ShouldNotBeNull(), documents[1][d].ShouldNotBeNull());
            Encoding.UTF8.GetString(right.Body.Span).ShouldBe(Encoding.UTF8.GetString(left.Body.Span), $"document {d}");
            right.ETag.ShouldBe(left.ETag, $"document {d}");
            right.LastModified.ShouldBe(left.LastModified, $"document {d}");
        }

        var mpd = Encoding.UTF8.GetString(documents[0][1]!.Body.Span);
        mpd.ShouldContain("availabilityStartTime=\"2026-12-03T10:00:00");
        mpd.ShouldContain("publishTime=\"2026-12-03T10:00:06", customMessage: "the anchor plus the newest fragment's end (6 s), not an arrival time");
        Encoding.UTF8.GetString(documents[0][3]!.Body.Span).ShouldContain("#EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:00.000Z");
    }

    /// <summary>A video track with the SPS and PPS that DASH and HLS codec strings need.</summary>
    private static readonly TrackInfo Video = GrainHost.Video(400_000) with { CodecPrivateData = "000000016764001EACD940D433B011000003000100000300320F162D960000000168EFBCB0" };

    private static IngestOpening Opening(DateTimeOffset? anchor, params TrackInfo[] tracks) =>
        new IngestOpening("c1", "s", null, "127.0.0.1", [.. tracks]) { Anchor = anchor, UpstreamSessionId = anchor is null ? null : "upstream-1" };
}
