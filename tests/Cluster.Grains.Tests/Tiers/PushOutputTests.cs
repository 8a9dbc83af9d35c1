using System.Collections.Concurrent;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Tests.Archive;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Tests.Tiers;

/// <summary>
/// A push output against a real HTTP downstream that reads the Smooth push body the way an ingest server does
/// (MS-SSTR live ingest: header boxes, then moof/mdat, an mfra at the end).
/// </summary>
public sealed class PushOutputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Push_ConnectionCutMidStream_ReconnectsWithIdenticalHeaderAndResendsSoNothingIsMissing()
    {
        var capture = await ArchiveCapture.GetAsync();
        var video = capture.Tracks[0];
        var fragments = capture.Fragments[0].Take(8).ToList();
        var posts = new ConcurrentQueue<Post>();
        var connection = 0;
        await using var downstream = await ScriptedUpstream.StartAsync(async context =>
        {
            var number = Interlocked.Increment(ref connection);
            var reader = new SmoothIngestReader(context.Request.BodyReader, IngestLimits.Default);
            var header = await reader.ReadHeaderAsync(context.RequestAborted);
            var post = new Post(context.Request.Path, context.Request.Headers[TierHeaders.Session].ToString(), header);
            posts.Enqueue(post);
            while (await reader.ReadFragmentAsync(context.RequestAborted) is { } item)
            {
                post.Fragments.Add(item.Fragment);
                if (number == 1 && post.Fragments.Count == 3)
                {
                    // The downstream dies after three fragments: the connection is cut without an answer.
                    context.Abort();
                    return;
                }
            }

            post.EndedWithMfra = reader.EndedWithMfra;
        });
        await using var host = new GrainHost();
        var point = host.Grains.GetGrain<IPublishingPointGrain>("live/up");
        await point.ConfigureAsync(new PublishingPointSettings { DvrWindowLength = TimeSpan.Zero, PushOutputs = [downstream.PointUrl] });

        // An encoder session of one track; all its fragments, then the end of stream.
        var admission = await point.OpenIngestAsync(new IngestOpening("enc", "0", null, null, [video]), createIfMissing: true);
        var track = host.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[0]);
        foreach (var fragment in fragments)
        {
            (await track.AddFragmentAsync(admission.SessionEpoch, fragment)).ShouldBe(AddFragmentResult.Added, "a downstream going away never slows or refuses ingest");
        }

        await point.CloseIngestAsync("enc", IngestEnd.EndOfStream);
        await EventuallyAsync(host, () => posts.Count >= 2 && posts.Last().EndedWithMfra);

        var all = posts.ToList();
        all[0].Path.ShouldBe($"/live/up.isml/Streams({video.Name}_{video.Bitrate})");
        all[1].Path.ShouldBe(all[0].Path);
        all[1].Header.Ftyp.ToArray().ShouldBe(all[0].Header.Ftyp.ToArray(), "the reconnect sends identical header boxes");
        all[1].Header.LiveManifest.ToArray().ShouldBe(all[0].Header.LiveManifest.ToArray());
        all[1].Header.Moov.ToArray().ShouldBe(all[0].Header.Moov.ToArray());
        all[0].Session.ShouldNotBeNullOrEmpty();
        all[1].Session.ShouldBe(all[0].Session);
        all[1].Header.Tracks[0].Name.ShouldBe(video.Name);
        all[1].Header.Tracks[0].Bitrate.ShouldBe(video.Bitrate);

        // The second POST starts before the cut (the last fragments are sent again), and together they hold every
        // fragment: one copy per time is what the downstream keeps.
        all[1].Fragments[0].Time.ShouldBeLessThanOrEqualTo(all[0].Fragments[^1].Time);
        var received = all.SelectMany(p => p.Fragments).GroupBy(f => f.Time).Select(g => g.First()).OrderBy(f => f.Time).ToList();
        received.Select(f => (f.Time, f.Duration)).ShouldBe(fragments.Select(f => (f.Time, f.Duration)));
        for (var i = 0; i < received.Count; i++)
        {
            received[i].Data.ToArray().ShouldBe(fragments[i].Data.ToArray());
        }

        var status = (await point.GetStatusAsync()).PushOutputs.ShouldHaveSingleItem();
        status.Url.ShouldBe(downstream.PointUrl);
        status.Reconnects.ShouldBeGreaterThanOrEqualTo(1);
        status.FragmentsResent.ShouldBeGreaterThanOrEqualTo(1);
    }

    /// <summary>Waits, moving the host's fake clock on so the output's backoff (which runs on it) elapses.</summary>
    private static async Task EventuallyAsync(GrainHost host, Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!condition())
        {
            timeout.IsCancellationRequested.ShouldBeFalse($"not within {Bound}");
            host.Clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(50, CancellationToken.None);
        }
    }

    private sealed class Post(string path, string session, IngestHeader header)
    {
        public string Path { get; } = path;

        public string Session { get; } = session;

        public IngestHeader Header { get; } = header;

        public List<Fragment> Fragments { get; } = [];

        public bool EndedWithMfra { get; set; }
    }
}
