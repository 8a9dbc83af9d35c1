using Cluster.Grains.Tiers;

namespace Cluster.Grains.Tests.Tiers;

public sealed class SentLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ResumeAfter_NothingWritten_FromTheStart() =>
        new SentLog(8).ResumeAfter(T0, 3).ShouldBe(long.MinValue);

    [Fact]
    public void ResumeAfter_LivePaced_ResendsTheMinimumCount()
    {
        var log = new SentLog(8);
        for (var i = 0; i < 6; i++)
        {
            log.Add(i * 100, T0.AddSeconds(i * 2));
        }

        // Written 2 s apart; only the last one falls in a 1 s window, so the minimum (3) decides: resume after 200.
        log.ResumeAfter(T0.AddSeconds(9.5), 3).ShouldBe(200);
    }

    [Fact]
    public void ResumeAfter_BurstWithinTheWindow_ResendsEverythingInIt()
    {
        var log = new SentLog(8);
        log.Add(0, T0);
        for (var i = 1; i < 6; i++)
        {
            log.Add(i * 100, T0.AddSeconds(30));
        }

        log.ResumeAfter(T0.AddSeconds(25), 1).ShouldBe(0);
    }

    [Fact]
    public void ResumeAfter_MoreThanTheCapacityInTheWindow_ResumesAfterTheLastForgotten()
    {
        var log = new SentLog(3);
        for (var i = 0; i < 5; i++)
        {
            log.Add(i * 100, T0);
        }

        log.ResumeAfter(T0, 1).ShouldBe(100);
    }
}
