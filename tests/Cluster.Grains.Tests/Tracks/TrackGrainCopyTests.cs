using System.Runtime.InteropServices;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;

namespace Cluster.Grains.Tests.Tracks;

/// <summary>
/// Orleans deep-copies the arguments and results of calls inside a silo unless their types are immutable. Fragments
/// are stored once and shared by every output (decision 0002): these tests hold the product to that on a real silo.
/// </summary>
public sealed class TrackGrainCopyTests
{
    private const long Second = 10_000_000;

    [Fact]
    public async Task AddAndRead_LocalCalls_PassTheVeryFragmentAndByteArray()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/copy/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        var fragment = GrainHost.Fragment(0, 2 * Second);
        MemoryMarshal.TryGetArray(fragment.Data, out var sent).ShouldBeTrue();

        (await track.AddFragmentAsync(1, fragment)).ShouldBe(AddFragmentResult.Added);

        var timeline = await track.GetTimelineAsync();
        timeline[0].ShouldBeSameAs(fragment);
        MemoryMarshal.TryGetArray(timeline[0].Data, out var stored).ShouldBeTrue();
        stored.Array.ShouldBeSameAs(sent.Array);
        (await track.ReadFragmentAsync(0, TimeSpan.Zero)).Fragment.ShouldBeSameAs(fragment);
        (await track.ReadFragmentsAfterAsync(long.MinValue, 10, TimeSpan.Zero)).Fragments.Single().ShouldBeSameAs(fragment);
        (await track.GetTimelineAsync()).ShouldBeSameAs(timeline);
    }

    [Fact]
    public async Task GetManifest_LocalCallsWhileNothingChanged_ReturnTheSameBody()
    {
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/copy");
        var admission = await point.OpenIngestAsync(new IngestOpening("c1", "video", null, null, [GrainHost.Video(100_000)]), createIfMissing: true);
        await host.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[0]).AddFragmentAsync(admission.SessionEpoch, GrainHost.Fragment(0, 2 * Second));

        var first = await point.GetManifestAsync(ManifestFormat.Smooth);
        var second = await point.GetManifestAsync(ManifestFormat.Smooth);

        MemoryMarshal.TryGetArray(first.ShouldNotBeNull().Body, out var a).ShouldBeTrue();
        MemoryMarshal.TryGetArray(second.ShouldNotBeNull().Body, out var b).ShouldBeTrue();
        b.Array.ShouldBeSameAs(a.Array);
    }

    [Fact]
    public async Task ReadFragmentsAfter_ManyLargeFragments_BatchStaysWithinTheByteBound()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/big/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        const int Size = 3 << 20;
        for (var i = 0; i < 5; i++)
        {
            var fragment = new Media.Model.Fragment(i * 2 * Second, [new Media.Model.Sample((uint)(2 * Second), Size, Media.Model.Sample.SyncFlags, 0)], new byte[Size]);
            await track.AddFragmentAsync(1, fragment);
        }

        var read = await track.ReadFragmentsAfterAsync(long.MinValue, 256, TimeSpan.Zero);

        read.Fragments.Length.ShouldBe(TrackStreamRead.MaxBytes / Size);
        read.Ended.ShouldBeFalse();
    }
}
