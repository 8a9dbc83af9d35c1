using Cluster.Testing;

namespace Cluster.Runtime.Tests.Testing;

public sealed class FakeTimeProviderTests
{
    [Fact]
    public void Advance_Delta_MovesUtcNowAndTimestamp()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var timestamp = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromSeconds(90));

        clock.GetUtcNow().ShouldBe(start + TimeSpan.FromSeconds(90));
        clock.GetElapsedTime(timestamp).ShouldBe(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public void SetUtcNow_Backwards_Throws()
    {
        var clock = new FakeTimeProvider();

        Should.Throw<ArgumentOutOfRangeException>(() => clock.SetUtcNow(clock.GetUtcNow() - TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Advance_PastOneShotTimer_FiresOnceAtItsDueTime()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(9));
        fired.ShouldBeEmpty();
        clock.Advance(TimeSpan.FromSeconds(100));

        fired.ShouldBe([clock.Start + TimeSpan.FromSeconds(10)]);
        clock.ScheduledTimerCount.ShouldBe(0);
    }

    [Fact]
    public void Advance_PastSeveralPeriods_FiresPeriodicTimerOncePerPeriod()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow() - clock.Start), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(36));

        fired.ShouldBe([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(35)]);
        clock.GetUtcNow().ShouldBe(clock.Start + TimeSpan.FromSeconds(36));
    }

    [Fact]
    public void Advance_TwoTimers_FireInDueTimeOrder()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<string>();
        using var late = clock.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add("early"), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(1));

        fired.ShouldBe(["early", "late"]);
    }

    [Fact]
    public void Dispose_BeforeDue_TimerNeverFires()
    {
        var clock = new FakeTimeProvider();
        var fired = 0;
        var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        timer.Dispose();
        clock.Advance(TimeSpan.FromMinutes(1));

        fired.ShouldBe(0);
        timer.Change(TimeSpan.Zero, TimeSpan.Zero).ShouldBeFalse();
    }

    [Fact]
    public void Change_NewDueTime_ReschedulesFromNow()
    {
        var clock = new FakeTimeProvider();
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromHours(1));
        fired.ShouldBe(0);

        timer.Change(TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan).ShouldBeTrue();
        clock.Advance(TimeSpan.FromSeconds(29));
        fired.ShouldBe(0);
        clock.Advance(TimeSpan.FromSeconds(1));

        fired.ShouldBe(1);
    }

    [Fact]
    public async Task Delay_WithFakeClock_CompletesOnlyWhenAdvanced()
    {
        var clock = new FakeTimeProvider();

        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock);
        delay.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(5));

        await delay.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void CancellationTokenSource_WithFakeClock_CancelsWhenAdvanced()
    {
        var clock = new FakeTimeProvider();
        using var source = new CancellationTokenSource(TimeSpan.FromSeconds(3), clock);

        clock.Advance(TimeSpan.FromSeconds(2));
        source.IsCancellationRequested.ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));

        source.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public void Advance_FromManyThreads_EndsAtSumOfDeltas()
    {
        var clock = new FakeTimeProvider();
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        Parallel.For(0, 1000, _ => clock.Advance(TimeSpan.FromSeconds(1)));

        clock.GetUtcNow().ShouldBe(clock.Start + TimeSpan.FromSeconds(1000));
        fired.ShouldBe(1000);
    }
}
