using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Cluster.Testing;

namespace Cluster.Grains.Tests.Archive;

/// <summary>The whole way: an encoder session on a point with the archive on, then the archive served as a point.</summary>
public sealed class ArchivePlaybackTests : IDisposable
{
    private const string ArchivedPoint = "archive/live/event1/game1";

    private readonly TemporaryFolder _data = new("archive-playback-");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ArchivedPoint_AfterTheSessionStopped_ServesTheWholeSessionOnDemandAlsoAfterARestart()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using (var host = new ArchiveTestHost(_data.Path, ("Cluster:PublishingPoints:Defaults:Archive:Enabled", "true")))
        {
            var point = host.Grains.GetGrain<IPublishingPointGrain>("live/event1");
            var admission = await point.OpenIngestAsync(new IngestOpening("c1", "s", "game1", "127.0.0.1", [.. capture.Tracks]), createIfMissing: true);
            admission.Accepted.ShouldBeTrue();
            await host.FeedAsync(
                ArchiveTestHost.Session(host.Grains, null, epoch: admission.SessionEpoch),
                [.. admission.TrackKeys],
                capture.Fragments);
            await point.CloseIngestAsync("c1", IngestEnd.EndOfStream);

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((await host.Library.TryLoadAsync(ArchivedPoint, CancellationToken.None))?.Finalized != true)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the archive was never finalized");
                await Task.Delay(50);
            }

            await ShouldServeCaptureAsync(host, capture);
        }

        await using var restarted = new ArchiveTestHost(_data.Path);
        await ShouldServeCaptureAsync(restarted, capture);
    }

    private static async Task ShouldServeCaptureAsync(ArchiveTestHost host, ArchiveCapture capture)
    {
        var point = host.Grains.GetGrain<IPublishingPointGrain>(ArchivedPoint);
        (await point.GetStatusAsync()).State.ShouldBe(PublishingPointState.Stopped);
        var manifest = await point.GetManifestAsync(ManifestFormat.Smooth);
        manifest.ShouldNotBeNull().IsLive.ShouldBeFalse();
        var root = XDocument.Parse(Encoding.UTF8.GetString(manifest.Body.Span)).Root!;
        root.Attribute("IsLive").ShouldBeNull();
        var video = capture.Fragments[capture.Tracks.ToList().FindIndex(t => t.Kind == TrackKind.Video)];
        root.Elements("StreamIndex").Single(s => s.Attribute("Type")!.Value == "video").Attribute("Chunks")!.Value
            .ShouldBe(video.Count.ToString(CultureInfo.InvariantCulture));
        (await point.GetManifestAsync(ManifestFormat.Dash)).ShouldNotBeNull();
        (await point.GetManifestAsync(ManifestFormat.Hls)).ShouldNotBeNull();

        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var info = capture.Tracks[i];
            var track = host.Grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(ArchivedPoint, info.Name, info.Bitrate));
            var last = capture.Fragments[i][^1];
            var read = await track.ReadFragmentAsync(last.Time, TimeSpan.Zero);
            read.Status.ShouldBe(FragmentReadStatus.Found);
            read.Fragment!.Data.Span.SequenceEqual(last.Data.Span).ShouldBeTrue();
        }
    }
}
