using Cluster.Runtime.Membership;
using Cluster.Runtime.Placement;

namespace Cluster.Runtime.Tests.Placement;

public sealed class PlacementDirectorTests
{
    private static readonly SiloAddress[] Three = [new("10.0.0.1:11111", 1), new("10.0.0.2:11111", 1), new("10.0.0.3:11111", 1)];

    [Fact]
    public void Pick_SameKeyAndSilosInAnyOrder_SameSilo()
    {
        var first = PlacementDirector.Pick("live/event1", Three);

        PlacementDirector.Pick("live/event1", Three.Reverse()).ShouldBe(first);
    }

    [Fact]
    public void Pick_ManyKeys_SpreadEvenly()
    {
        var counts = Enumerable.Range(0, 3000).GroupBy(i => PlacementDirector.Pick($"live/event{i}", Three)).ToDictionary(g => g.Key!, g => g.Count());

        counts.Count.ShouldBe(3);
        counts.Values.ShouldAllBe(n => n > 850 && n < 1150); // 1000 each expected; binomial sd ~26
    }

    [Fact]
    public void Pick_SiloJoins_OnlyKeysMovingToTheNewSiloMove()
    {
        SiloAddress[] four = [.. Three, new("10.0.0.4:11111", 1)];
        var keys = Enumerable.Range(0, 2000).Select(i => $"live/event{i}").ToList();

        var moved = keys.Where(k => PlacementDirector.Pick(k, Three) != PlacementDirector.Pick(k, four)).ToList();

        moved.ShouldAllBe(k => PlacementDirector.Pick(k, four) == four[3]);
        moved.Count.ShouldBeInRange(400, 600); // about a quarter
    }

    [Fact]
    public void Pick_NoCandidates_Null() => PlacementDirector.Pick("live/x", []).ShouldBeNull();

    [Theory]
    [InlineData("live/event1/video_400000", "live/event1")]
    [InlineData("a/b/c/audio_64000", "a/b/c")]
    [InlineData("single", "single")]
    public void ParentKey_TrackKey_IsThePointPath(string key, string parent) => PlacementDirector.ParentKey(key).ShouldBe(parent);
}
