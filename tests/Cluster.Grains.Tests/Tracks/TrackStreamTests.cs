using Cluster.Contracts.Tracks;

namespace Cluster.Grains.Tests.Tracks;

/// <summary>A track read as a rewindable stream (DESIGN 3: "a subscriber asks for fragments after t and receives them as they arrive").</summary>
public sealed class TrackStreamTests
{
    private const long Second = 10_000_000;

    [Fact]
    public async Task ReadFragmentsAfter_MinValue_ReturnsFromTheOldestInOrderUpToMaxCount()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 5);

        var read = await track.ReadFragmentsAfterAsync(long.MinValue, 3, TimeSpan.Zero);

        read.Fragments.Select(f => f.Time).ShouldBe([0L, 2 * Second, 4 * Second]);
        read.Bound.ShouldBeTrue();
        read.Ended.ShouldBeFalse();
        read.SessionEpoch.ShouldBe(1);
    }

    [Fact]
    public async Task ReadFragmentsAfter_ATimeHeld_StartsAfterItExclusive()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 5);

        var read = await track.ReadFragmentsAfterAsync(2 * Second, 10, TimeSpan.Zero);

        read.Fragments.Select(f => f.Time).ShouldBe([4 * Second, 6 * Second, 8 * Second]);
    }

    [Fact]
    public async Task ReadFragmentsAfter_ATimeBetweenFragments_StartsAtTheNextOne()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 3);

        (await track.ReadFragmentsAfterAsync(Second, 10, TimeSpan.Zero)).Fragments.Select(f => f.Time).ShouldBe([2 * Second, 4 * Second]);
    }

    [Fact]
    public async Task ReadFragmentsAfter_AtTheLiveEdge_WaitsForTheNextFragment()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 2);

        var pending = track.ReadFragmentsAfterAsync(2 * Second, 10, TimeSpan.FromSeconds(30));
        pending.IsCompleted.ShouldBeFalse();
        await track.AddFragmentAsync(1, GrainHost.Fragment(4 * Second, 2 * Second));

        (await pending.WaitAsync(TimeSpan.FromSeconds(10))).Fragments.Select(f => f.Time).ShouldBe([4 * Second]);
    }

    [Fact]
    public async Task ReadFragmentsAfter_NothingNewWithinTheWait_ReturnsEmpty()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 1);

        var pending = track.ReadFragmentsAfterAsync(0, 10, TimeSpan.FromSeconds(5));

        // The call reaches the grain asynchronously: move the clock on in steps until its wait has seen 5 s pass.
        var read = await AdvanceUntilAsync(host, pending);
        read.Fragments.ShouldBeEmpty();
        read.Ended.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadFragmentsAfter_EndedStream_EndedOnlyWithTheLastFragment()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 3);
        await track.SetEndedAsync(1, true);

        (await track.ReadFragmentsAfterAsync(long.MinValue, 2, TimeSpan.FromSeconds(5))).Ended.ShouldBeFalse("a third fragment follows");
        var last = await track.ReadFragmentsAfterAsync(2 * Second, 2, TimeSpan.FromSeconds(5));
        last.Fragments.Select(f => f.Time).ShouldBe([4 * Second]);
        last.Ended.ShouldBeTrue();

        // Past the end a reader gets the end at once rather than waiting.
        var after = await track.ReadFragmentsAfterAsync(4 * Second, 2, TimeSpan.FromMinutes(5)).WaitAsync(TimeSpan.FromSeconds(10));
        after.Fragments.ShouldBeEmpty();
        after.Ended.ShouldBeTrue();
    }

    [Fact]
    public async Task ReadFragmentsAfter_WaitingWhenTheSessionIsCleared_ReturnsUnboundWithTheNewEpoch()
    {
        await using var host = new GrainHost();
        var track = await BoundTrackAsync(host, 1);

        var pending = track.ReadFragmentsAfterAsync(0, 10, TimeSpan.FromMinutes(5));
        await track.ClearAsync(2);

        var read = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        read.Bound.ShouldBeFalse();
        read.SessionEpoch.ShouldBe(2);
    }

    private static async Task<ITrackGrain> BoundTrackAsync(GrainHost host, int fragments)
    {
        var track = host.Grains.GetGrain<ITrackGrain>("live/stream/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        for (var i = 0; i < fragments; i++)
        {
            await track.AddFragmentAsync(1, GrainHost.Fragment(i * 2 * Second, 2 * Second));
        }

        return track;
    }

    /// <summary>Advances the fake clock a second at a time until <paramref name="pending"/> completes (at most a minute of fake time).</summary>
    private static async Task<T> AdvanceUntilAsync<T>(GrainHost host, Task<T> pending)
    {
        // Bounded in real time, not in steps: under load the call may take a while to reach the grain.
        var bound = System.Diagnostics.Stopwatch.StartNew();
        while (!pending.IsCompleted && bound.Elapsed < TimeSpan.FromSeconds(30))
        {
            host.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(pending, Task.Delay(20));
        }

        return await pending.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
