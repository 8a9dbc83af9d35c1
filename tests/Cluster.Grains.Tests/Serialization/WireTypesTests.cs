using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Cluster.Grains.Tests.Serialization;

/// <summary>
/// What crosses between silos, through the serializer the silo really uses: each value must come back equal, and what
/// is computed rather than sent (a CMAF header's ETag) must be the same on the receiving side.
/// </summary>
public sealed class WireTypesTests : IAsyncLifetime
{
    private GrainHost? _host;

    private Serializer Serializer => _host!.Services.GetRequiredService<Serializer>();

    public Task InitializeAsync()
    {
        _host = new GrainHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host!.DisposeAsync();

    [Fact]
    public void Fragment_RoundTrip_KeepsTimeSamplesAndBytes()
    {
        var fragment = new Fragment(123, [new Sample(10, 2, Sample.SyncFlags, -5), new Sample(11, 1, Sample.NonSyncFlags, 7)], new byte[] { 1, 2, 3 });

        var copy = RoundTrip(fragment);

        copy.Time.ShouldBe(123);
        copy.Samples.ShouldBe(fragment.Samples);
        copy.Data.ToArray().ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void TrackTimeline_RoundTripOfAView_CarriesOnlyTheViewsFragments()
    {
        var fragments = Enumerable.Range(0, 5).Select(i => GrainHost.Fragment(i * 100, 100)).ToArray();
        var view = new TrackTimeline(GrainHost.Video(500_000), fragments, 1, 4, 7, 9, true, DateTimeOffset.UnixEpoch, 2, DateTimeOffset.UnixEpoch.AddHours(1));

        var copy = RoundTrip(view);

        copy.ToEntries().ShouldBe(view.ToEntries());
        (copy.FirstSequence, copy.Version, copy.Ended, copy.LookaheadCount, copy.Anchor).ShouldBe((7L, 9L, true, 2, view.Anchor));
        (copy.Info! with { DecoderConfig = view.Info!.DecoderConfig }).ShouldBe(view.Info);
    }

    [Fact]
    public void TrackInfo_RoundTrip_IsEqualIncludingTheDecoderConfiguration()
    {
        var info = GrainHost.Audio() with { DecoderConfig = new byte[] { 0x11, 0x90 }, Language = "eng", CodecPrivateData = "1190" };

        var copy = RoundTrip(info);

        copy.DecoderConfig.ToArray().ShouldBe([0x11, 0x90]);
        (copy with { DecoderConfig = info.DecoderConfig }).ShouldBe(info);
    }

    [Fact]
    public void CmafTrackHeader_RoundTrip_HasTheSameETag()
    {
        var header = new CmafTrackHeader(TrackKind.Video, [1, 2, 3, 4]);

        RoundTrip(header).ETag.ShouldBe(header.ETag);
    }

    [Fact]
    public void FragmentRead_AndStreamRead_RoundTrip()
    {
        var fragment = GrainHost.Fragment(0, 100);
        var read = new FragmentRead(FragmentReadStatus.Found, fragment, 3, [new TimelineEntry(100, 100)], 2, false, TrackKind.Video);
        var stream = new TrackStreamRead([fragment], 4, true, false);

        var readCopy = RoundTrip(read);
        var streamCopy = RoundTrip(stream);

        (readCopy.Status, readCopy.SequenceNumber, readCopy.Kind, readCopy.Fragment!.Time).ShouldBe((FragmentReadStatus.Found, 3L, TrackKind.Video, 0L));
        readCopy.Lookahead.ShouldBe(read.Lookahead);
        (streamCopy.SessionEpoch, streamCopy.Bound, streamCopy.Fragments.Length).ShouldBe((4L, true, 1));
    }

    [Fact]
    public void SettingsAndStatus_RoundTrip_AreEqual()
    {
        var settings = new PublishingPointSettings
        {
            DvrWindowLength = TimeSpan.FromMinutes(5),
            EventId = "day1",
            PushOutputs = ["http://a:8080/live/x.isml"],
            PullInput = new PullInputSettings { Urls = ["http://b:8080/live/x.isml"], Mode = PullMode.Manifest },
            Archive = new ArchiveSettings { Folder = "arc" },
        };
        var status = new PublishingPointStatus("live/x", true, PublishingPointState.Started, settings, 2, 1, [GrainHost.Video(1)], DateTimeOffset.UnixEpoch)
        {
            SessionId = "s1",
            PushOutputs = [new PushOutputStatus("http://a", 1, 2, 3, 4, 5, null)],
        };

        var copy = RoundTrip(status);

        copy.Settings.PullInput!.SameAs(settings.PullInput).ShouldBeTrue();
        copy.Settings.PushOutputs.ShouldBe(settings.PushOutputs);
        (copy with { Settings = settings, Tracks = status.Tracks, PushOutputs = status.PushOutputs }).ShouldBe(status);
        copy.PushOutputs.Single().ShouldBe(status.PushOutputs.Single());
        copy.Tracks.Single().Name.ShouldBe("video");
    }

    private T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;
}
