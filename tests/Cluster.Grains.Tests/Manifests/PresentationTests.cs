using Cluster.Contracts.Tracks;
using Cluster.Grains.Manifests;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Manifests;

public sealed class PresentationTests
{
    [Fact]
    public void CommonEntries_LevelJoinedLateAndLostOne_ListsOnlyTimesEveryLevelHas()
    {
        var high = Timeline(0, 100, 200, 300, 400);
        var low = Timeline(100, 200, 400);

        var common = Presentation.CommonEntries([high, low]);

        common.Select(e => e.Time).ShouldBe([100L, 200, 400]);
    }

    [Fact]
    public void CommonEntries_SingleLevel_ListsAll()
    {
        Presentation.CommonEntries([Timeline(0, 100, 300)]).Select(e => e.Time).ShouldBe([0L, 100, 300]);
    }

    private static TrackTimeline Timeline(params long[] times)
    {
        Fragment[] fragments = [.. times.Select(t => GrainHost.Fragment(t, 100))];
        return new TrackTimeline(GrainHost.Video(1), fragments, 0, fragments.Length, 0, 1, false, DateTimeOffset.UnixEpoch, 2);
    }
}
