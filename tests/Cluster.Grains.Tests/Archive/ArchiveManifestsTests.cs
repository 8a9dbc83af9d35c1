using Cluster.Grains.Archive;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Archive;

public sealed class ArchiveManifestsTests
{
    private const long Second = 10_000_000;

    [Fact]
    public void BuildClientManifest_LevelMissingAFragment_ListsOnlyFragmentsEveryLevelHolds()
    {
        var high = Track(GrainHostVideo(400_000), [0, 2, 4, 6]);
        var low = Track(GrainHostVideo(200_000), [0, 2, 6]);
        var audio = Track(new TrackInfo { Kind = TrackKind.Audio, Name = "audio", Bitrate = 64_000, FourCC = "AACL" }, [0, 2, 4, 6, 8]);

        var manifest = ArchiveManifests.BuildClientManifest([low, audio, high]);

        manifest.IsLive.ShouldBeFalse();
        manifest.Duration.ShouldBe(10 * Second);
        manifest.Streams.Select(s => s.Kind).ShouldBe([TrackKind.Video, TrackKind.Audio]);
        manifest.Streams[0].QualityLevels.Select(l => l.Bitrate).ShouldBe([400_000, 200_000]);
        manifest.Streams[0].Timeline.Select(e => e.Time / Second).ShouldBe([0L, 2, 6]);
        manifest.Streams[1].Timeline.Count.ShouldBe(5);
    }

    [Theory]
    [InlineData("video", "video")]
    [InlineData("a b/c", "a_b_c")]
    [InlineData("..", "track")]
    [InlineData("", "track")]
    public void SafeName_AnyTrackName_GivesAFileName(string name, string expected) =>
        ArchiveTrackWriter.SafeName(name).ShouldBe(expected);

    private static TrackInfo GrainHostVideo(int bitrate) => new() { Kind = TrackKind.Video, Name = "video", Bitrate = bitrate, FourCC = "H264" };

    private static TrackArchive Track(TrackInfo info, long[] seconds) =>
        new(info, [new ArchiveIndexFile { Name = "x.ismv", FragmentCount = seconds.Length }], [.. seconds.Select(s => new TimelineEntry(s * Second, 2 * Second))]);
}
