using Cluster.Contracts.Tracks;

namespace Cluster.Grains.Tests.Tracks;

public sealed class TrackGrainTests
{
    private const long Second = 10_000_000;

    [Fact]
    public async Task Bind_RacingReadsOfTheUnboundTrack_KeepsTheBinding()
    {
        // A player asking for a track while its encoder is being admitted must not cost the encoder its session.
        await using var host = new GrainHost();
        for (var i = 0; i < 50; i++)
        {
            var track = host.Grains.GetGrain<ITrackGrain>($"live/race/video_{i}");
            await Task.WhenAll(
                track.GetTimelineAsync(),
                track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2)),
                track.GetTimelineAsync());

            (await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second))).ShouldBe(AddFragmentResult.Added, $"track {i}");
        }
    }

    [Fact]
    public async Task AddFragment_SameTimeTwice_StoresOneCopy()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));

        (await track.AddFragmentAsync(1, GrainHost.Fragment(0, 2 * Second))).ShouldBe(AddFragmentResult.Added);
        (await track.AddFragmentAsync(1, GrainHost.Fragment(0, 2 * Second))).ShouldBe(AddFragmentResult.Duplicate);
        (await track.AddFragmentAsync(1, GrainHost.Fragment(2 * Second, 2 * Second))).ShouldBe(AddFragmentResult.Added);

        (await track.GetTimelineAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task AddFragment_OverlappingNewest_IsLateAndIgnored()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, 2 * Second));

        (await track.AddFragmentAsync(1, GrainHost.Fragment(Second, 2 * Second))).ShouldBe(AddFragmentResult.Late);

        (await track.GetTimelineAsync()).ToEntries().Select(e => e.Time).ShouldBe([0L]);
    }

    [Fact]
    public async Task AddFragment_ArrivesAfterLaterOnes_FillsItsGapAndOldViewsStayAsTheyWere()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second));
        await track.AddFragmentAsync(1, GrainHost.Fragment(2 * Second, Second));
        var before = await track.GetTimelineAsync();

        (await track.AddFragmentAsync(1, GrainHost.Fragment(Second, Second))).ShouldBe(AddFragmentResult.Added);
        (await track.AddFragmentAsync(1, GrainHost.Fragment(Second, Second))).ShouldBe(AddFragmentResult.Duplicate);

        (await track.GetTimelineAsync()).ToEntries().Select(e => e.Time / Second).ShouldBe([0L, 1, 2]);
        before.ToEntries().Select(e => e.Time / Second).ShouldBe([0L, 2]);
    }

    [Theory]
    [InlineData(0, true)] // a whole-event DVR: anything before the first fragment held is inside it
    [InlineData(10, true)] // the window (10 s) reaches back to 0 s
    [InlineData(3, false)] // the window starts at 2 s: a fragment at 0 s is older than it
    public async Task AddFragment_BeforeTheFirstHeld_GoesInWhenInsideTheDvrWindow(int windowSeconds, bool added)
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.FromSeconds(windowSeconds), 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(2 * Second, 2 * Second));
        await track.AddFragmentAsync(1, GrainHost.Fragment(4 * Second, Second));

        (await track.AddFragmentAsync(1, GrainHost.Fragment(0, 2 * Second))).ShouldBe(added ? AddFragmentResult.Added : AddFragmentResult.Late);

        (await track.GetTimelineAsync()).ToEntries().Select(e => e.Time / Second).ShouldBe(added ? [0L, 2, 4] : [2L, 4]);
    }

    [Fact]
    public async Task AddFragment_OverlapsBothNeighbours_IsLate()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second));
        await track.AddFragmentAsync(1, GrainHost.Fragment(2 * Second, Second));

        (await track.AddFragmentAsync(1, GrainHost.Fragment(Second / 2, 2 * Second))).ShouldBe(AddFragmentResult.Late);
        (await track.GetTimelineAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task AddFragment_AfterGap_KeepsGapAndDurations()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, 2 * Second));
        await track.AddFragmentAsync(1, GrainHost.Fragment(6 * Second, 2 * Second));

        var entries = (await track.GetTimelineAsync()).ToEntries();
        entries.Select(e => (e.Time, e.Duration)).ShouldBe([(0L, 2 * Second), (6 * Second, 2 * Second)]);
    }

    [Fact]
    public async Task AddFragment_PastDvrWindow_TrimsOldestAndFirstListedExists()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.FromSeconds(10), 2));
        for (var i = 0; i < 20; i++)
        {
            await track.AddFragmentAsync(1, GrainHost.Fragment(i * 2 * Second, 2 * Second));
        }

        var timeline = await track.GetTimelineAsync();
        // Newest ends at 40 s; a 10 s window keeps fragments ending after 30 s: 30-32 ... 38-40.
        timeline.ToEntries().Select(e => e.Time / Second).ShouldBe([30L, 32, 34, 36, 38]);
        timeline.IndexOf(30 * Second).ShouldBe(0);
        timeline.IndexOf(28 * Second).ShouldBe(-1);
        timeline.FirstSequence.ShouldBe(15);
    }

    [Fact]
    public async Task AddFragment_OlderSessionOrEndedStream_RefusedAsSessionClosed()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second));
        await track.BindAsync(new TrackBinding(2, GrainHost.Video(1), TimeSpan.Zero, 2));

        (await track.AddFragmentAsync(1, GrainHost.Fragment(Second, Second))).ShouldBe(AddFragmentResult.SessionClosed);
        (await track.GetTimelineAsync()).Count.ShouldBe(0);

        await track.AddFragmentAsync(2, GrainHost.Fragment(0, Second));
        await track.SetEndedAsync(2, true);
        (await track.AddFragmentAsync(2, GrainHost.Fragment(Second, Second))).ShouldBe(AddFragmentResult.SessionClosed);
        var timeline = await track.GetTimelineAsync();
        timeline.Ended.ShouldBeTrue();
        timeline.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ReadFragment_NextFragmentArrivesWhileWaiting_ReturnsIt()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second));

        var waiting = track.ReadFragmentAsync(Second, TimeSpan.FromSeconds(5));
        waiting.IsCompleted.ShouldBeFalse();
        await track.AddFragmentAsync(1, GrainHost.Fragment(Second, Second));

        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        read.Status.ShouldBe(FragmentReadStatus.Found);
        read.SequenceNumber.ShouldBe(2);
    }

    [Fact]
    public async Task ReadFragment_NothingArrives_AnswersNotFoundWhenTheWaitEnds()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        await track.AddFragmentAsync(1, GrainHost.Fragment(0, Second));

        var waiting = track.ReadFragmentAsync(Second, TimeSpan.FromSeconds(2));

        // The call may reach its timer after the first advance; keep moving the fake clock until the wait gives up.
        for (var i = 0; i < 500 && !waiting.IsCompleted; i++)
        {
            host.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(waiting, Task.Delay(10));
        }

        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Status.ShouldBe(FragmentReadStatus.NotFound);
    }

    [Fact]
    public async Task ReadFragment_OlderThanWindowOrNeverThere_AnswersGoneOrNotFoundWithoutWaiting()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.FromSeconds(2), 2));
        for (var i = 0; i < 5; i++)
        {
            await track.AddFragmentAsync(1, GrainHost.Fragment(i * Second, Second));
        }

        // Only a time at or past the live edge waits; these answer at once even with a long wait allowed.
        (await track.ReadFragmentAsync(0, TimeSpan.FromMinutes(1))).Status.ShouldBe(FragmentReadStatus.Gone);
        (await track.ReadFragmentAsync((4 * Second) + 1, TimeSpan.FromMinutes(1))).Status.ShouldBe(FragmentReadStatus.NotFound);
    }

    [Fact]
    public async Task ReadFragment_InsideWindow_CarriesSequenceAndLookahead()
    {
        await using var host = new GrainHost();
        var track = host.Grains.GetGrain<ITrackGrain>("live/a/video_1");
        await track.BindAsync(new TrackBinding(1, GrainHost.Video(1), TimeSpan.Zero, 2));
        for (var i = 0; i < 4; i++)
        {
            await track.AddFragmentAsync(1, GrainHost.Fragment(i * Second, Second));
        }

        var middle = await track.ReadFragmentAsync(Second, TimeSpan.Zero);
        middle.SequenceNumber.ShouldBe(2);
        middle.Lookahead.Select(e => e.Time).ShouldBe([2 * Second, 3 * Second]);
        middle.LookaheadComplete.ShouldBeTrue();

        var edge = await track.ReadFragmentAsync(3 * Second, TimeSpan.Zero);
        edge.Lookahead.ShouldBeEmpty();
        edge.LookaheadComplete.ShouldBeFalse();
        edge.Kind.ShouldBe(Cluster.Media.Model.TrackKind.Video);

        await track.SetEndedAsync(1, true);
        (await track.ReadFragmentAsync(3 * Second, TimeSpan.Zero)).LookaheadComplete.ShouldBeTrue();
    }
}
