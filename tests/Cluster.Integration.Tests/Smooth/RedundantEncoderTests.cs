using System.Net;
using System.Text.Json;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Smooth;

/// <summary>
/// Redundant encoders (MS-SSTR live ingest): several connections carry the same stream, with the same timestamps, to one
/// publishing point. The origin keeps one copy of each fragment (by track and timestamp), and losing an encoder leaves
/// no gap while another one is still pushing. Both encoders replay one real ffmpeg push captured to a file; every
/// expectation is read from that file, not from the origin.
/// </summary>
public sealed class RedundantEncoderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public enum Scenario
    {
        /// <summary>Both start together; A dies early and B carries on alone.</summary>
        BothFromStartAKilledEarly,

        /// <summary>B connects only after A has sent some fragments and replays the stream from its beginning.</summary>
        LateJoinerFromStart,

        /// <summary>B connects after A has sent some fragments and, in step with A, starts at the live edge.</summary>
        LateJoinerAtLiveEdge,
    }

    [Fact]
    public async Task TwoEncoders_OneKilledHalfway_ManifestListsEachCapturedFragmentOnceWithoutGap()
    {
        var capture = await CaptureAsync();
        await using var silo = await InProcessSilo.StartAsync();
        await using var status = new PointStatusMonitor(silo.Http, "live/red1");
        var url = silo.Url("live/red1.isml/Streams(0)");
        var killAt = capture.Fragments.Count / 2;

        // Both encoders send the same bytes, paced against one clock, so their fragments reach the origin together.
        var clock = TimeProvider.System.GetTimestamp();
        await using var a = PacedSmoothPusher.Start(url, capture, new SmoothPushPlan
        {
            ClockStart = clock,
            AbortInFragment = killAt,
            BeforeFragment = i => i == killAt ? status.WaitForAsync(s => s.ActiveConnections == 2, Patience) : Task.CompletedTask,
        });
        await using var b = PacedSmoothPusher.Start(url, capture, new SmoothPushPlan
        {
            ClockStart = clock,
            BeforeFragment = i => i == killAt ? OnlyOneEncoderLeftAsync(a, status) : Task.CompletedTask,
        });

        var aEnd = await a.Completion.WaitAsync(Patience);
        aEnd.Aborted.ShouldNotBeNull("pusher A was to be killed mid-stream");
        aEnd.Status.ShouldBeNull();
        a.Position.ShouldBe(killAt);

        var bEnd = await b.Completion.WaitAsync(Patience);
        bEnd.Status.ShouldBe(HttpStatusCode.OK, bEnd.Text);
        b.Position.ShouldBe(capture.Fragments.Count);

        await AssertStoppedOnlyAfterAsync(status, b);
        await AssertOneCopyOfEachFragmentAsync(silo, "live/red1.isml/", capture);
    }

    [Theory]
    [InlineData(Scenario.BothFromStartAKilledEarly)]
    [InlineData(Scenario.LateJoinerFromStart)]
    [InlineData(Scenario.LateJoinerAtLiveEdge)]
    public async Task FirstEncoderKilled_SecondContinues_NoGapAndOneCopy(Scenario scenario)
    {
        var capture = await CaptureAsync();
        await using var silo = await InProcessSilo.StartAsync();
        var point = $"live/red-{scenario.ToString().ToLowerInvariant()}";
        await using var status = new PointStatusMonitor(silo.Http, point);
        var url = silo.Url(point + ".isml/Streams(0)");
        var joinAt = scenario == Scenario.BothFromStartAKilledEarly ? 0 : capture.Fragments.Count / 3;
        var killAt = scenario == Scenario.BothFromStartAKilledEarly ? capture.Fragments.Count / 4 : 2 * capture.Fragments.Count / 3;

        // A dies only once B is connected, so the point always has an encoder.
        await using var a = PacedSmoothPusher.Start(url, capture, new SmoothPushPlan
        {
            AbortInFragment = killAt,
            BeforeFragment = i => i == killAt ? status.WaitForAsync(s => s.ActiveConnections == 2, Patience) : Task.CompletedTask,
        });
        await a.WaitForPositionAsync(joinAt, Patience);

        await using var b = PacedSmoothPusher.Start(url, capture, new SmoothPushPlan
        {
            ClockStart = scenario == Scenario.LateJoinerFromStart ? null : a.ClockStart,
            FirstFragment = scenario == Scenario.LateJoinerAtLiveEdge ? a.Position : 0,
            BeforeFragment = i => i == killAt ? OnlyOneEncoderLeftAsync(a, status) : Task.CompletedTask,
        });

        (await a.Completion.WaitAsync(Patience)).Aborted.ShouldNotBeNull("pusher A was to be killed mid-stream");
        a.Position.ShouldBe(killAt);
        var bEnd = await b.Completion.WaitAsync(Patience);
        bEnd.Status.ShouldBe(HttpStatusCode.OK, bEnd.Text);

        await AssertStoppedOnlyAfterAsync(status, b);
        await AssertOneCopyOfEachFragmentAsync(silo, point + ".isml/", capture);
    }

    /// <summary>One real ffmpeg Smooth push: 12 s of 320x180 H.264 (2 s GOPs) and AAC in 2 s fragments, one POST body.</summary>
    private static Task<CapturedSmoothStream> CaptureAsync() =>
        CapturedSmoothStream.CaptureAsync(
            "redundant-encoders",
            $"{Ffmpeg.TestPattern(realTime: false, seconds: 12)} -map 0:v -map 1:a {Ffmpeg.H264(400)} -c:a aac -b:a 64k -frag_duration 2000000");

    /// <summary>
    /// Holds B before the fragment A died in until A's connection is gone and the origin has noticed: the point must
    /// still be Started, with B as its only encoder.
    /// </summary>
    private static async Task OnlyOneEncoderLeftAsync(PacedSmoothPusher a, PointStatusMonitor status)
    {
        await a.Completion.WaitAsync(Patience);
        (await status.WaitForAsync(s => s.ActiveConnections == 1, Patience)).State.ShouldBe("Started");
    }

    /// <summary>The point reaches Stopped, and no status read before B began to send its mfra said Stopped.</summary>
    private static async Task AssertStoppedOnlyAfterAsync(PointStatusMonitor status, PacedSmoothPusher b)
    {
        await status.WaitForAsync(s => s.State == "Stopped", Patience);
        var bEnd = b.EndStartedAt.ShouldNotBeNull();
        var samples = status.Samples;
        samples.ShouldContain(s => s.State == "Started" && s.ActiveConnections == 2);
        foreach (var sample in samples.Where(s => s.ReceivedAt < bEnd))
        {
            sample.State.ShouldBeOneOf(["(none)", "Started"], "status read before pusher B sent its end");
        }
    }

    /// <summary>
    /// MS-SSTR client manifest and fragments against the capture: per track exactly the captured fragments (tfxd time and
    /// duration, AAC priming shown from 0), each starting where the previous ended, each served with the captured samples.
    /// </summary>
    private static async Task AssertOneCopyOfEachFragmentAsync(InProcessSilo silo, string pointUrl, CapturedSmoothStream capture)
    {
        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, pointUrl + "Manifest")).ShouldNotBeNull();
        manifest.IsLive.ShouldBeFalse();
        manifest.Streams.Select(s => s.Type).Order().ShouldBe(capture.Tracks.Values.Select(t => t.Type).Order());

        foreach (var track in capture.Tracks.Values)
        {
            var expected = capture.FragmentsOf(track.Type);
            var stream = manifest.Single(track.Type);
            manifest.TimeScale.ShouldBe(track.Timescale);
            var level = stream.Levels.ShouldHaveSingleItem();

            stream.Fragments.ShouldBe([.. expected.Select(f => (f.PresentedTime, f.PresentedDuration))], $"{track.Type}: c@t/c@d against the captured tfxd boxes");
            stream.Fragments[0].Time.ShouldBe(0);
            for (var i = 1; i < stream.Fragments.Count; i++)
            {
                stream.Fragments[i].Time.ShouldBe(stream.Fragments[i - 1].Time + stream.Fragments[i - 1].Duration, $"{track.Type} fragment {i} starts where the previous ended");
            }

            if (stream.Element.Attribute("Chunks") is { } chunks)
            {
                chunks.Value.ShouldBe(expected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var fragment in expected)
            {
                var url = pointUrl + stream.FragmentUrl(level, fragment.PresentedTime);
                using var response = await silo.Http.GetAsync(url);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                var body = await response.Content.ReadAsByteArrayAsync();
                var served = Boxes.ParseSmoothFragment(body);
                served.TfxdTime.ShouldBe(fragment.PresentedTime, url);
                served.TfxdDuration.ShouldBe(fragment.PresentedDuration, url);
                var mdat = Boxes.Single(Boxes.Children(body, 0, body.Length), "mdat");
                body.AsSpan(mdat.PayloadOffset, mdat.PayloadSize).SequenceEqual(fragment.PresentedMdat.Span).ShouldBeTrue($"{url}: mdat bytes against captured fragment {fragment.Index}");
            }
        }
    }

    /// <summary>Reads a point's admin status over and over (as an operator's dashboard would), keeping every answer.</summary>
    private sealed class PointStatusMonitor : IAsyncDisposable
    {
        private readonly List<StatusSample> _samples = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public PointStatusMonitor(HttpClient http, string point)
        {
            _loop = Task.Run(() => PollAsync(http, "admin/publishing-points/" + point));
        }

        public List<StatusSample> Samples
        {
            get
            {
                lock (_samples)
                {
                    return [.. _samples];
                }
            }
        }

        public StatusSample? Latest
        {
            get
            {
                lock (_samples)
                {
                    return _samples.Count == 0 ? null : _samples[^1];
                }
            }
        }

        /// <summary>Waits for a status read, made after this call, that matches.</summary>
        public async Task<StatusSample> WaitForAsync(Func<StatusSample, bool> match, TimeSpan timeout)
        {
            int seen;
            lock (_samples)
            {
                seen = _samples.Count;
            }

            var started = TimeProvider.System.GetTimestamp();
            while (TimeProvider.System.GetElapsedTime(started) < timeout)
            {
                lock (_samples)
                {
                    for (; seen < _samples.Count; seen++)
                    {
                        if (match(_samples[seen]))
                        {
                            return _samples[seen];
                        }
                    }
                }

                _loop.IsCompleted.ShouldBeFalse("the status poller stopped");
                await Task.Delay(5);
            }

            throw new TimeoutException($"No matching status within {timeout}; last: {Latest}.");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }

        private async Task PollAsync(HttpClient http, string url)
        {
            while (!_stop.IsCancellationRequested)
            {
                using (var response = await http.GetAsync(url, _stop.Token))
                {
                    var text = await response.Content.ReadAsStringAsync(_stop.Token);
                    var received = TimeProvider.System.GetTimestamp();
                    StatusSample sample;
                    if (response.StatusCode == HttpStatusCode.NotFound)
                    {
                        sample = new StatusSample(received, "(none)", 0);
                    }
                    else
                    {
                        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
                        using var json = JsonDocument.Parse(text);
                        sample = new StatusSample(received, json.RootElement.GetProperty("state").GetString()!, json.RootElement.GetProperty("activeConnections").GetInt32());
                    }

                    lock (_samples)
                    {
                        _samples.Add(sample);
                    }
                }

                await Task.Delay(10, _stop.Token);
            }
        }
    }

    /// <param name="ReceivedAt">When the answer arrived (a <see cref="TimeProvider.System"/> timestamp).</param>
    /// <param name="State">The point's state, "(none)" before it exists.</param>
    /// <param name="ActiveConnections">Encoder connections the point counts.</param>
    private sealed record StatusSample(long ReceivedAt, string State, int ActiveConnections);
}
