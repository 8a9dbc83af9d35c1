using System.Text;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Tiers;

/// <summary>
/// Pull inputs between two product nodes over real HTTP: the upstream fed with the ffmpeg capture as an encoder would
/// feed it, the downstream polling the upstream's Smooth manifest and fetching its fragments (Manifest mode) or reading
/// its pull endpoint (Stream mode).
/// </summary>
public sealed class PullInputTests
{
    private const string Up = "live/up";
    private const string Down = "live/down";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public enum BadUpstream
    {
        /// <summary>Every request answers 500.</summary>
        ServerError,

        /// <summary>The manifest is an HTML error page with status 200.</summary>
        GarbageManifest,

        /// <summary>The manifest is the real one; fragments are random bytes.</summary>
        GarbageFragments,

        /// <summary>The manifest is the real one; each fragment carries a tfxd time one tick off the manifest's.</summary>
        MisplacedFragments,
    }

    [Theory]
    [InlineData(BadUpstream.ServerError)]
    [InlineData(BadUpstream.GarbageManifest)]
    [InlineData(BadUpstream.GarbageFragments)]
    [InlineData(BadUpstream.MisplacedFragments)]
    public async Task Manifest_BadPrimaryThenGoodUpstream_FailsOverAndCopiesTheUpstreamExactly(BadUpstream mode)
    {
        await using var upstream = await OriginNode.StartAsync();
        await using var bad = await OriginNode.StartAsync((context, node) => AnswerBadlyAsync(context, upstream, mode));
        await using var downstream = await OriginNode.StartAsync();
        var (header, fragments) = await OriginNode.ReadCaptureAsync();
        var firstRound = fragments.GroupBy(f => f.TrackId).Select(g => g.First()).ToList();

        // Live upstream with the first fragment of each track.
        var encoder = await OpenAsync(upstream, header, eventId: null);
        await AddAsync(upstream, encoder, header, firstRound);
        await ConfigurePullAsync(downstream, bad.PointUrl(Up), upstream.PointUrl(Up));

        await WaitUntilAsync(async () => await CountAsync(downstream, Down) == firstRound.Count, "the downstream takes the live fragments");
        (await StatusAsync(downstream)).State.ShouldBe(PublishingPointState.Started);

        // The rest, then the end of the upstream's stream.
        await AddAsync(upstream, encoder, header, fragments.Except(firstRound).ToList());
        await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).CloseIngestAsync(encoder.ConnectionId, IngestEnd.EndOfStream);
        await WaitUntilAsync(async () => (await StatusAsync(downstream)).State == PublishingPointState.Stopped, "the downstream stops with the upstream");

        await ShouldEqualUpstreamAsync(upstream, downstream);
        var pull = (await StatusAsync(downstream)).PullInput.ShouldNotBeNull();
        pull.Failovers.ShouldBeGreaterThanOrEqualTo(1);
        pull.ActiveUrl.ShouldBe(upstream.PointUrl(Up));
        pull.FragmentsAdded.ShouldBe(fragments.Count);
        bad.Requests.ShouldContain(p => p.EndsWith("/Manifest", StringComparison.Ordinal));
        downstream.Log.Entries.ShouldContain(e => e.Level == LogLevel.Warning && e.Message.Contains("rejected " + bad.PointUrl(Up), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Manifest_UpstreamAlreadyFinished_CopiesAllAndStopsThenFollowsItsNextSession()
    {
        await using var upstream = await OriginNode.StartAsync();
        await using var downstream = await OriginNode.StartAsync();
        var (header, fragments) = await OriginNode.ReadCaptureAsync();
        var encoder = await OpenAsync(upstream, header, eventId: null);
        await AddAsync(upstream, encoder, header, fragments);
        await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).CloseIngestAsync(encoder.ConnectionId, IngestEnd.EndOfStream);

        await ConfigurePullAsync(downstream, upstream.PointUrl(Up));

        await WaitUntilAsync(async () => (await StatusAsync(downstream)).State == PublishingPointState.Stopped, "the downstream copies the finished upstream");
        await ShouldEqualUpstreamAsync(upstream, downstream);
        var first = await StatusAsync(downstream);

        // The upstream starts over (a new event, the encoder's times again from zero): the downstream follows anew.
        var again = await OpenAsync(upstream, header, eventId: "second");
        await AddAsync(upstream, again, header, fragments.Take(3).ToList());
        await WaitUntilAsync(async () => (await StatusAsync(downstream)).SessionEpoch > first.SessionEpoch, "the downstream starts a new session");
        await AddAsync(upstream, again, header, fragments.Skip(3).ToList());
        await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).CloseIngestAsync(again.ConnectionId, IngestEnd.EndOfStream);
        await WaitUntilAsync(
            async () => (await StatusAsync(downstream)).State == PublishingPointState.Stopped && await CountAsync(downstream, Down) == fragments.Count,
            "the downstream ends its second session with the upstream");

        await ShouldEqualUpstreamAsync(upstream, downstream);
        var second = await StatusAsync(downstream);
        second.SessionId.ShouldNotBe(first.SessionId);
        second.PullInput!.FragmentsAdded.ShouldBe(2 * fragments.Count);
        second.PullInput.Failovers.ShouldBe(0);
    }

    [Fact]
    public async Task Manifest_ManifestGoesBack_IsAFailureAndNothingWrongIsTaken()
    {
        await using var upstream = await OriginNode.StartAsync();
        var (header, fragments) = await OriginNode.ReadCaptureAsync();
        var firstRound = fragments.GroupBy(f => f.TrackId).Select(g => g.First()).ToList();
        var encoder = await OpenAsync(upstream, header, eventId: null);
        await AddAsync(upstream, encoder, header, firstRound);
        var older = (await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).GetManifestAsync(ManifestFormat.Smooth))!.Body.ToArray();
        await AddAsync(upstream, encoder, header, fragments.Except(firstRound).ToList());

        // A flaky origin in front of the upstream: its third manifest answer is the older one, listing one fragment less.
        var manifests = 0;
        await using var flaky = await OriginNode.StartAsync(async (context, node) =>
        {
            if (OriginNode.ManifestPath().IsMatch(context.Request.Path.Value ?? "") && Interlocked.Increment(ref manifests) == 3)
            {
                await context.Response.Body.WriteAsync(older);
                return true;
            }

            await upstream.ServeAsync(context);
            return true;
        });
        await using var downstream = await OriginNode.StartAsync();
        await ConfigurePullAsync(downstream, flaky.PointUrl(Up));

        await WaitUntilAsync(async () => (await StatusAsync(downstream)).PullInput?.Retries >= 1, "the rewind is retried");
        await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).CloseIngestAsync(encoder.ConnectionId, IngestEnd.EndOfStream);
        await WaitUntilAsync(async () => (await StatusAsync(downstream)).State == PublishingPointState.Stopped, "the downstream stops with the upstream");

        await ShouldEqualUpstreamAsync(upstream, downstream);
        var pull = (await StatusAsync(downstream)).PullInput!;
        pull.FragmentsAdded.ShouldBe(fragments.Count);
        downstream.Log.Entries.ShouldContain(e => e.Level == LogLevel.Warning && e.Message.Contains("manifest went back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_BadPrimaryThenGoodUpstream_FailsOverAndCopiesTheUpstreamExactly()
    {
        await using var upstream = await OriginNode.StartAsync();
        await using var bad = await OriginNode.StartAsync((context, node) => AnswerBadlyAsync(context, upstream, BadUpstream.ServerError));
        await using var downstream = await OriginNode.StartAsync();
        var (header, fragments) = await OriginNode.ReadCaptureAsync();
        var firstRound = fragments.GroupBy(f => f.TrackId).Select(g => g.First()).ToList();
        var encoder = await OpenAsync(upstream, header, eventId: null);
        await AddAsync(upstream, encoder, header, firstRound);

        await ConfigurePullAsync(downstream, PullMode.Stream, bad.PointUrl(Up), upstream.PointUrl(Up));
        await WaitUntilAsync(async () => await CountAsync(downstream, Down) == firstRound.Count, "the downstream takes the live fragments");
        await AddAsync(upstream, encoder, header, fragments.Except(firstRound).ToList());
        await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).CloseIngestAsync(encoder.ConnectionId, IngestEnd.EndOfStream);
        await WaitUntilAsync(async () => (await StatusAsync(downstream)).State == PublishingPointState.Stopped, "the downstream stops with the upstream");

        await ShouldEqualUpstreamAsync(upstream, downstream);
        var pull = (await StatusAsync(downstream)).PullInput.ShouldNotBeNull();
        pull.Failovers.ShouldBeGreaterThanOrEqualTo(1);
        pull.Retries.ShouldBeGreaterThanOrEqualTo(1);
        pull.FragmentsAdded.ShouldBe(fragments.Count);
        bad.Requests.ShouldContain(p => p.EndsWith("/Streams(all)", StringComparison.Ordinal));
    }

    private static async Task<bool> AnswerBadlyAsync(HttpContext context, OriginNode upstream, BadUpstream mode)
    {
        var path = context.Request.Path.Value ?? "";
        switch (mode)
        {
            case BadUpstream.ServerError:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return true;
            case BadUpstream.GarbageManifest when OriginNode.ManifestPath().IsMatch(path):
                context.Response.ContentType = "text/html";
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("<html><body>It works!</body></html>"));
                return true;
            case BadUpstream.GarbageFragments when OriginNode.FragmentPath().IsMatch(path):
                var noise = new byte[3000];
                new Random(7).NextBytes(noise);
                await context.Response.Body.WriteAsync(noise);
                return true;
            case BadUpstream.MisplacedFragments when OriginNode.FragmentPath().Match(path) is { Success: true } url:
                var read = await upstream.ReadFragmentAsync(url);
                var real = read.Fragment.ShouldNotBeNull();
                await OriginNode.WriteFragmentAsync(context, new Fragment(real.Time + 1, real.Samples, real.Data), read);
                return true;
            default:
                // The bad node has no points of its own: its manifest is the upstream's.
                await upstream.ServeAsync(context);
                return true;
        }
    }

    private static async Task<Encoder> OpenAsync(OriginNode node, IngestHeader header, string? eventId)
    {
        var opening = new IngestOpening($"encoder-{eventId}", "all", eventId, "ffmpeg", header.Tracks);
        var admission = await node.Grains.GetGrain<IPublishingPointGrain>(Up).OpenIngestAsync(opening, createIfMissing: true);
        admission.Accepted.ShouldBeTrue(admission.Reason);
        return new Encoder(opening.ConnectionId, admission);
    }

    private static async Task AddAsync(OriginNode node, Encoder encoder, IngestHeader header, List<IngestFragment> fragments)
    {
        var admission = encoder.Admission;
        foreach (var item in fragments)
        {
            var index = header.Tracks.IndexOf(header.Tracks.Single(t => t.TrackId == item.TrackId));
            var result = await node.Grains.GetGrain<ITrackGrain>(admission.TrackKeys[index]).AddFragmentAsync(admission.SessionEpoch, item.Fragment);
            result.ShouldBe(AddFragmentResult.Added);
        }
    }

    private static Task ConfigurePullAsync(OriginNode node, params string[] urls) => ConfigurePullAsync(node, PullMode.Manifest, urls);

    private static async Task ConfigurePullAsync(OriginNode node, PullMode mode, params string[] urls)
    {
        var settings = new PublishingPointSettings
        {
            PullInput = new PullInputSettings
            {
                Urls = urls,
                RetryCount = 1,
                RetryDelay = TimeSpan.FromMilliseconds(100),
                StallTimeout = TimeSpan.FromSeconds(5),
                Mode = mode,
            },
        };
        settings.Validate().ShouldBeNull();
        await node.Grains.GetGrain<IPublishingPointGrain>(Down).ConfigureAsync(settings);
    }

    private static Task<PublishingPointStatus> StatusAsync(OriginNode node) => node.Grains.GetGrain<IPublishingPointGrain>(Down).GetStatusAsync();

    private static async Task<int> CountAsync(OriginNode node, string point)
    {
        var status = await node.Grains.GetGrain<IPublishingPointGrain>(point).GetStatusAsync();
        var count = 0;
        foreach (var track in status.Tracks)
        {
            count += (await Timeline(node, point, track).GetTimelineAsync()).Count;
        }

        return count;
    }

    /// <summary>Same tracks, and per track the same fragments: times, durations, samples and bytes.</summary>
    private static async Task ShouldEqualUpstreamAsync(OriginNode upstream, OriginNode downstream)
    {
        var up = await upstream.Grains.GetGrain<IPublishingPointGrain>(Up).GetStatusAsync();
        var down = await downstream.Grains.GetGrain<IPublishingPointGrain>(Down).GetStatusAsync();
        down.Tracks.Select(t => (t.Kind, t.Name, t.Bitrate, t.FourCC, t.CodecPrivateData))
            .ShouldBe(up.Tracks.Select(t => (t.Kind, t.Name, t.Bitrate, t.FourCC, t.CodecPrivateData)), ignoreOrder: true);
        foreach (var track in up.Tracks)
        {
            var expected = await Timeline(upstream, Up, track).GetTimelineAsync();
            var actual = await Timeline(downstream, Down, track).GetTimelineAsync();
            var name = $"{track.Name}_{track.Bitrate}";
            actual.Count.ShouldBe(expected.Count, name);
            expected.Count.ShouldBeGreaterThan(0);
            for (var i = 0; i < expected.Count; i++)
            {
                actual[i].Time.ShouldBe(expected[i].Time, name);
                actual[i].Duration.ShouldBe(expected[i].Duration, name);
                actual[i].Samples.ShouldBe(expected[i].Samples, name);
                actual[i].Data.ToArray().ShouldBe(expected[i].Data.ToArray(), name);
            }

            // CMAF packaging (HLS, DASH) works from what was pulled: a manifest's CodecPrivateData is enough for the headers.
            var cmaf = (await Timeline(downstream, Down, track).GetCmafHeaderAsync()).ShouldNotBeNull(name);
            cmaf.Kind.ShouldBe(track.Kind);
        }

        (await downstream.Grains.GetGrain<IPublishingPointGrain>(Down).GetManifestAsync(ManifestFormat.Dash)).ShouldNotBeNull();
    }

    private static ITrackGrain Timeline(OriginNode node, string point, TrackInfo track) =>
        node.Grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(point, track.Name, track.Bitrate));

    /// <summary>An encoder connection to the upstream point.</summary>
    private sealed record Encoder(string ConnectionId, IngestAdmission Admission);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {what}.");
            }

            await Task.Delay(50);
        }
    }
}
