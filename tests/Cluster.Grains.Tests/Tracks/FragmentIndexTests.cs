using Cluster.Contracts.Tracks;
using Cluster.Grains.Tracks;

namespace Cluster.Grains.Tests.Tracks;

public sealed class FragmentIndexTests
{
    [Fact]
    public void Snapshot_AfterLaterAppendsTrimsAndCompactions_StillShowsWhatItShowed()
    {
        var index = new FragmentIndex();
        for (var i = 0; i < 10; i++)
        {
            index.Append(GrainHost.Fragment(i * 100, 100));
        }

        var before = index.Snapshot(null, 1, false, DateTimeOffset.UnixEpoch, 2);
        for (var i = 10; i < 500; i++)
        {
            index.Append(GrainHost.Fragment(i * 100, 100));
            index.TrimEndingBefore((i - 20) * 100);
        }

        before.Count.ShouldBe(10);
        Enumerable.Range(0, 10).Select(i => before[i].Time).ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i * 100));
        var after = index.Snapshot(null, 2, false, DateTimeOffset.UnixEpoch, 2);
        after[0].Time.ShouldBe(47900); // the last trim drops fragments ending at or before 47,900
        after[after.Count - 1].Time.ShouldBe(49900);
        after.FirstSequence.ShouldBe(479);
    }

    [Fact]
    public void TrimEndingBefore_EverythingOld_KeepsNewestFragment()
    {
        var index = new FragmentIndex();
        index.Append(GrainHost.Fragment(0, 100));
        index.Append(GrainHost.Fragment(100, 100));

        index.TrimEndingBefore(10_000);

        index.Count.ShouldBe(1);
        index.Last!.Time.ShouldBe(100);
    }

    [Fact]
    public void Contains_GapInTimeline_FindsOnlyExactStarts()
    {
        var index = new FragmentIndex();
        index.Append(GrainHost.Fragment(0, 100));
        index.Append(GrainHost.Fragment(300, 100));

        index.Contains(0).ShouldBeTrue();
        index.Contains(300).ShouldBeTrue();
        index.Contains(100).ShouldBeFalse();
        index.Contains(50).ShouldBeFalse();
    }

    [Fact]
    public void Read_EpochBasedTimeAFewTicksOff_FindsTheFragmentAsJavaScriptPlayersAskForIt()
    {
        // 2026 in 100 ns ticks since 1970 is past 2^53: dash.js turns S@t 17962998059786667 into ...668.
        const long Start = 17_962_998_059_786_667;
        var index = new FragmentIndex();
        index.Append(GrainHost.Fragment(Start, 20_000_000));
        var timeline = index.Snapshot(GrainHost.Video(1), 1, false, DateTimeOffset.UnixEpoch, 2);

        FragmentRead.From(timeline, Start + 1).Fragment.ShouldNotBeNull().Time.ShouldBe(Start);
        FragmentRead.From(timeline, Start - 2).Fragment.ShouldNotBeNull().Time.ShouldBe(Start);
        FragmentRead.From(timeline, Start + 10_000).Status.ShouldBe(FragmentReadStatus.NotFound, "1 ms off is another time");
    }

    [Fact]
    public void Read_SmallTimeOffByOne_IsNotFound()
    {
        var index = new FragmentIndex();
        index.Append(GrainHost.Fragment(20_000_000, 20_000_000));
        var timeline = index.Snapshot(GrainHost.Video(1), 1, false, DateTimeOffset.UnixEpoch, 2);

        FragmentRead.From(timeline, 20_000_001).Status.ShouldBe(FragmentReadStatus.NotFound, "below 2^53 times are exact");
    }
}
