using System.Text;
using System.Xml.Linq;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.PublishingPoints;

public sealed class PublishingPointGrainTests
{
    private const long Second = 10_000_000;

    [Fact]
    public async Task OpenIngest_NewPath_CreatesAndStartsPoint()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");

        var admission = await point.OpenIngestAsync(Opening("c1", GrainHost.Video(400_000), GrainHost.Audio()), createIfMissing: true);

        admission.Accepted.ShouldBeTrue();
        admission.TrackKeys.ShouldBe(["live/a/video_400000", "live/a/audio_64000"]);
        var status = await point.GetStatusAsync();
        status.Exists.ShouldBeTrue();
        status.State.ShouldBe(PublishingPointState.Started);
        status.ActiveConnections.ShouldBe(1);
    }

    [Fact]
    public async Task OpenIngest_RacingStatusReadsOfTheNewPoint_KeepsThePoint()
    {
        await using var host = new GrainHost();
        for (var i = 0; i < 50; i++)
        {
            var point = host.Grains.GetGrain<IPublishingPointGrain>($"live/race{i}");
            var opening = point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);
            await Task.WhenAll(point.GetStatusAsync(), opening, point.GetStatusAsync());

            var status = await point.GetStatusAsync();
            status.Exists.ShouldBeTrue($"point {i}");
            status.ActiveConnections.ShouldBe(1);
        }
    }

    [Fact]
    public async Task OpenIngest_UnknownPointWithoutAutoCreate_Refused404()
    {
        await using var host = new GrainHost();
        var admission = await host.Grains.GetGrain<IPublishingPointGrain>("live/a").OpenIngestAsync(Opening("c1", GrainHost.Video(1)), createIfMissing: false);

        admission.Accepted.ShouldBeFalse();
        admission.StatusCode.ShouldBe(404);
        admission.Reason.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task CloseIngest_LastConnectionEndsStream_StopsPointAndManifestBecomesVod()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var a = await point.OpenIngestAsync(Opening("c1", GrainHost.Video(400_000)), true);
        var b = await point.OpenIngestAsync(Opening("c2", GrainHost.Video(200_000)), true);
        foreach (var key in a.TrackKeys.Concat(b.TrackKeys))
        {
            var track = host.Grains.GetGrain<ITrackGrain>(key);
            await track.AddFragmentAsync(a.SessionEpoch, GrainHost.Fragment(0, 2 * Second));
            await track.AddFragmentAsync(a.SessionEpoch, GrainHost.Fragment(2 * Second, 2 * Second));
        }

        var live = Xml(await point.GetManifestAsync(ManifestFormat.Smooth));
        ((string?)live.Attribute("IsLive"))!.ToUpperInvariant().ShouldBe("TRUE");

        await point.CloseIngestAsync("c1", IngestEnd.EndOfStream);
        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Started);
        await point.CloseIngestAsync("c2", IngestEnd.EndOfStream);

        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Stopped);
        var vod = Xml(await point.GetManifestAsync(ManifestFormat.Smooth));
        ((string?)vod.Attribute("IsLive") ?? "FALSE").ToUpperInvariant().ShouldBe("FALSE");
        ((string)vod.Attribute("Duration")!).ShouldBe((4 * Second).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CloseIngest_ConnectionLost_PointStaysStartedForReconnect()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);

        await point.CloseIngestAsync("c1", IngestEnd.Lost);

        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Started);
        var again = await point.OpenIngestAsync(Opening("c2", GrainHost.Video(1)), true);
        again.Accepted.ShouldBeTrue();
        again.SessionEpoch.ShouldBe(1);
    }

    [Fact]
    public async Task CloseIngest_OneTrackLostTheOtherEnded_PointStaysStartedUntilEveryTrackEnds()
    {
        // ffmpeg pushes each track on its own connection; when one fails it ends the others with an mfra.
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        await point.OpenIngestAsync(Opening("video", GrainHost.Video(400_000)), true);
        await point.OpenIngestAsync(Opening("audio", GrainHost.Audio()), true);

        await point.CloseIngestAsync("video", IngestEnd.Lost);
        await point.CloseIngestAsync("audio", IngestEnd.EndOfStream);

        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Started);
        var video = await point.OpenIngestAsync(Opening("video2", GrainHost.Video(400_000)), true);
        var audio = await point.OpenIngestAsync(Opening("audio2", GrainHost.Audio()), true);
        video.Accepted.ShouldBeTrue();
        audio.Accepted.ShouldBeTrue();
        audio.SessionEpoch.ShouldBe(video.SessionEpoch, "the reconnect joins the same session");

        await point.CloseIngestAsync("video2", IngestEnd.EndOfStream);
        await point.CloseIngestAsync("audio2", IngestEnd.EndOfStream);
        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Stopped);
    }

    [Fact]
    public async Task OpenIngest_StoppedPoint_RefusedUnlessRestartOrNewEvent()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);
        await point.CloseIngestAsync("c1", IngestEnd.EndOfStream);

        var refused = await point.OpenIngestAsync(Opening("c2", GrainHost.Video(1)), true);
        refused.StatusCode.ShouldBe(409);

        var newEvent = await point.OpenIngestAsync(Opening("c3", GrainHost.Video(1)) with { EventId = "day2" }, true);
        newEvent.Accepted.ShouldBeTrue();
        newEvent.SessionEpoch.ShouldBe(2);
        (await point.GetStatusAsync()).Settings.EventId.ShouldBe("day2");

        await point.CloseIngestAsync("c3", IngestEnd.EndOfStream);
        await point.ConfigureAsync(new PublishingPointSettings { RestartOnEncoderReconnect = true });
        (await point.OpenIngestAsync(Opening("c4", GrainHost.Video(1)), true)).SessionEpoch.ShouldBe(3);
    }

    [Fact]
    public async Task OpenIngest_NewSession_DropsPreviousSessionsFragments()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var first = await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);
        var track = host.Grains.GetGrain<ITrackGrain>(first.TrackKeys[0]);
        await track.AddFragmentAsync(first.SessionEpoch, GrainHost.Fragment(0, Second));
        await point.CloseIngestAsync("c1", IngestEnd.EndOfStream);

        var second = await point.OpenIngestAsync(Opening("c2", GrainHost.Video(1)) with { EventId = "new" }, true);

        (await track.GetTimelineAsync()).Count.ShouldBe(0);
        (await track.AddFragmentAsync(first.SessionEpoch, GrainHost.Fragment(Second, Second))).ShouldBe(AddFragmentResult.SessionClosed);
        (await track.AddFragmentAsync(second.SessionEpoch, GrainHost.Fragment(0, Second))).ShouldBe(AddFragmentResult.Added);
    }

    [Fact]
    public async Task Shutdown_DropsDvrAndRefusesEncoders()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var admission = await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);
        await host.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[0]).AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(0, Second));

        (await point.ShutdownAsync()).State.ShouldBe(PublishingPointState.Shutdown);

        (await point.GetManifestAsync(ManifestFormat.Smooth)).ShouldBeNull();
        (await point.OpenIngestAsync(Opening("c2", GrainHost.Video(1)), true)).StatusCode.ShouldBe(403);
        (await host.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[0]).AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(Second, Second)))
            .ShouldBe(AddFragmentResult.SessionClosed);

        (await point.StartAsync()).State.ShouldBe(PublishingPointState.Starting);
        (await point.OpenIngestAsync(Opening("c3", GrainHost.Video(1)), true)).Accepted.ShouldBeTrue();
    }

    [Fact]
    public async Task OpenIngest_MoreTracksThanAllowed_Refused400()
    {
        await using var host = new GrainHost(("Cluster:PublishingPoints:MaxTracksPerPoint", "2"));
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        (await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1), GrainHost.Video(2)), true)).Accepted.ShouldBeTrue();

        var refused = await point.OpenIngestAsync(Opening("c2", GrainHost.Video(3)), true);

        refused.StatusCode.ShouldBe(400);
        (await point.OpenIngestAsync(Opening("c3", GrainHost.Video(2)), true)).Accepted.ShouldBeTrue();
    }

    [Fact]
    public async Task GetManifest_UnchangedTimelines_ReturnsCachedDocument()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/a");
        var admission = await point.OpenIngestAsync(Opening("c1", GrainHost.Video(1)), true);
        var track = host.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[0]);
        await track.AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(0, Second));

        var first = await point.GetManifestAsync(ManifestFormat.Smooth);
        var second = await point.GetManifestAsync(ManifestFormat.Smooth);
        await track.AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(Second, Second));
        var third = await point.GetManifestAsync(ManifestFormat.Smooth);

        second.ShouldBeSameAs(first);
        third.ShouldNotBeSameAs(first);
        third!.ETag.ShouldNotBe(first!.ETag);
    }

    private static IngestOpening Opening(string connection, params TrackInfo[] tracks) =>
        new(connection, "s", null, "127.0.0.1", [.. tracks]);

    private static XElement Xml(ManifestDocument? document)
    {
        document.ShouldNotBeNull();
        return XDocument.Parse(Encoding.UTF8.GetString(document.Body.Span)).Root!;
    }
}
