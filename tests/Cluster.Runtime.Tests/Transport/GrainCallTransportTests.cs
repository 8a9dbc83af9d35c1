using System.Diagnostics;
using System.Net;
using Cluster.Runtime.Tests.TestGrains;

namespace Cluster.Runtime.Tests.Transport;

/// <summary>Two real Kestrel silos in one process; silo A's references route every grain to silo B.</summary>
public sealed class GrainCallTransportTests : IAsyncLifetime
{
    private SiloHost _b = null!;
    private SiloHost _a = null!;

    public async Task InitializeAsync()
    {
        _b = await SiloHost.StartAsync();
        _a = await SiloHost.StartAsync(locate: _ => _b.Endpoint, registerUnregisteredGrain: true);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task GrainReference_RoutedToOtherSilo_StateLivesOnThatSilo()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("remote/1");

        await counter.IncrementAsync();
        await counter.IncrementAsync();

        (await _a.Grains.GetGrain<ICounterGrain>("remote/1").GetCountAsync()).ShouldBe(2);
        _b.Catalog.ActiveGrains.ShouldBe([new GrainId("countergrain", "remote/1")]);
        _a.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task InvokeAsync_ValueTaskMethods_ReturnResults()
    {
        var grain = _a.Grains.GetGrain<IWireGrain>("vt");

        (await grain.AddAsync(2, 40)).ShouldBe(42);
        await grain.NothingAsync();
        (await _a.Grains.GetGrain<ICounterGrain>("vt").GetCountValueAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task RemoteCalls_FiftyConcurrent_RunOneAtATime()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("turns");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => counter.EnterAsync(i)));

        _b.Probe.MaxConcurrent.ShouldBe(1);
        results.Order().ShouldBe(Enumerable.Range(1, 50));
        _b.Probe.CallOrder.Count.ShouldBe(50);
    }

    [Fact]
    public async Task RemoteCall_AlwaysInterleaveMethod_RunsWhileAnotherCallIsBlocked()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("interleave");
        var blocked = counter.BlockAsync();
        await _b.Probe.Signal("interleave:entered").Task.WaitAsync(TestTimeouts.Hang);

        (await counter.PingAsync().WaitAsync(TestTimeouts.Hang)).ShouldBe("pong interleave");
        blocked.IsCompleted.ShouldBeFalse();

        _b.Probe.Signal("interleave:release").TrySetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
    }

    [Fact]
    public async Task RemoteCall_GrainThrowsKnownException_SameTypeAndMessage()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("throws");

        (await Should.ThrowAsync<InvalidOperationException>(() => counter.ThrowAsync("boom"))).Message.ShouldBe("boom");
        (await Should.ThrowAsync<ArgumentException>(() => counter.ThrowSynchronously("bad arg"))).Message.ShouldBe("bad arg");
        (await counter.IncrementAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task RemoteCall_GrainThrowsUnknownException_RemoteGrainExceptionWithTypeName()
    {
        var exception = await Should.ThrowAsync<RemoteGrainException>(() => _a.Grains.GetGrain<IWireGrain>("x").ThrowCustomAsync("over quota"));

        exception.ShouldBeAssignableTo<GrainCallException>();
        exception.RemoteExceptionType.ShouldBe(typeof(QuotaExceededException).FullName);
        exception.Message.ShouldBe("over quota");
    }

    [Fact]
    public async Task InvokeAsync_UnknownGrainType_GrainCallException()
    {
        var method = typeof(ICounterGrain).GetMethod(nameof(ICounterGrain.IncrementAsync))!;

        var exception = await Should.ThrowAsync<GrainCallException>(() => _a.Invoker.InvokeAsync(_b.Endpoint, new GrainId("nosuchgrain", "k"), method, []));

        exception.ShouldNotBeOfType<SiloUnavailableException>();
        exception.Message.ShouldContain("nosuchgrain");
    }

    [Fact]
    public async Task RemoteCall_MethodUnknownOnTargetSilo_GrainCallException()
    {
        var exception = await Should.ThrowAsync<GrainCallException>(() => _a.Grains.GetGrain<IUnregisteredGrain>("k").MissingAsync());

        exception.ShouldNotBeOfType<SiloUnavailableException>();
        _b.Catalog.Count.ShouldBe(0);
    }

    [Fact]
    public async Task RemoteCall_TargetSiloStopped_SiloUnavailableQuickly()
    {
        var endpoint = _b.Endpoint;
        await _b.StopAsync();
        var watch = Stopwatch.StartNew();

        var exception = await Should.ThrowAsync<SiloUnavailableException>(() => _a.Grains.GetGrain<ICounterGrain>("gone").IncrementAsync());

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        exception.SiloEndpoint.ShouldBe(endpoint);
    }

    [Fact]
    public async Task InvokeAsync_DeadlinePassesWhileQueued_TimeoutAndQueuedCallNeverRuns()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("deadline");
        var blocked = counter.BlockAsync();
        await _b.Probe.Signal("deadline:entered").Task.WaitAsync(TestTimeouts.Hang);
        var increment = typeof(ICounterGrain).GetMethod(nameof(ICounterGrain.IncrementAsync))!;

        await Should.ThrowAsync<TimeoutException>(() =>
            _a.Invoker.InvokeAsync(_b.Endpoint, new GrainId("countergrain", "deadline"), increment, [], TimeSpan.FromMilliseconds(300)));
        await WaitUntilAsync(() => _b.Received.Any(r => r.Path.EndsWith("IncrementAsync", StringComparison.Ordinal)));

        _b.Probe.Signal("deadline:release").TrySetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        (await counter.GetCountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Endpoint_DeadlinePassesWhileQueued_Typed504AndQueuedCallNeverRuns()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("deadline504");
        var blocked = counter.BlockAsync();
        await _b.Probe.Signal("deadline504:entered").Task.WaitAsync(TestTimeouts.Hang);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{_b.Endpoint}/cluster/v1/grains/countergrain/ICounterGrain.IncrementAsync?key=deadline504")
        {
            Content = new ByteArrayContent([]),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Add("cluster-deadline", DateTimeOffset.UtcNow.AddMilliseconds(200).UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("cluster-call-id", "t1");

        using var response = await client.SendAsync(request).WaitAsync(TestTimeouts.Hang);

        response.StatusCode.ShouldBe(HttpStatusCode.GatewayTimeout);
        response.Headers.GetValues("cluster-error").ShouldBe(["deadline"]);
        _b.Probe.Signal("deadline504:release").TrySetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        (await counter.GetCountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task RemoteCall_CallerCancelsWhileQueued_CancelledAndNeverDelivered()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("cancel");
        var blocked = counter.BlockAsync();
        await _b.Probe.Signal("cancel:entered").Task.WaitAsync(TestTimeouts.Hang);
        using var cts = new CancellationTokenSource();

        var queued = counter.WaitForSignalAsync("queued", cts.Token);
        await WaitUntilAsync(() => _b.Arrived.Any(p => p.EndsWith("WaitForSignalAsync", StringComparison.Ordinal)));
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => queued.WaitAsync(TestTimeouts.Hang));
        await WaitUntilAsync(() => _b.Received.Any(r => r.Path.EndsWith("WaitForSignalAsync", StringComparison.Ordinal)));
        _b.Probe.Signal("cancel:release").TrySetResult();
        await blocked.WaitAsync(TestTimeouts.Hang);
        (await counter.GetCountAsync()).ShouldBe(0);
        _b.Probe.Events.ShouldNotContain("delivered queued");
    }

    [Fact]
    public async Task RemoteCall_CallerCancelsWhileRunning_GrainSeesCancellation()
    {
        var counter = _a.Grains.GetGrain<ICounterGrain>("cancel-running");
        using var cts = new CancellationTokenSource();

        var running = counter.WaitForSignalAsync("running", cts.Token);
        await _b.Probe.Signal("running:delivered").Task.WaitAsync(TestTimeouts.Hang);
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => running.WaitAsync(TestTimeouts.Hang));
        (await counter.IncrementAsync().WaitAsync(TestTimeouts.Hang)).ShouldBe(1);
    }

    [Fact]
    public async Task RemoteCall_EightMegabyteByteArray_RoundTripsAsRawBytes()
    {
        var payload = new byte[8 * 1024 * 1024];
        Random.Shared.NextBytes(payload);

        var echoed = await _a.Grains.GetGrain<IWireGrain>("bytes").EchoBytesAsync(payload);

        echoed.AsSpan().SequenceEqual(payload).ShouldBeTrue();
        var received = _b.Received.Single(r => r.Path.EndsWith("EchoBytesAsync", StringComparison.Ordinal));
        received.RequestLength!.Value.ShouldBeLessThan(payload.Length + 64);
        received.ResponseLength!.Value.ShouldBeLessThan(payload.Length + 64);
    }

    [Fact]
    public async Task RemoteCall_ReadOnlyMemoryPayload_RoundTripsAsRawBytes()
    {
        var payload = new byte[1024 * 1024 + 3];
        Random.Shared.NextBytes(payload);

        var echoed = await _a.Grains.GetGrain<IWireGrain>("memory").EchoMemoryAsync(payload.AsMemory(1, payload.Length - 2));

        echoed.Span.SequenceEqual(payload.AsSpan(1, payload.Length - 2)).ShouldBeTrue();
        _b.Received.Single(r => r.Path.EndsWith("EchoMemoryAsync", StringComparison.Ordinal)).RequestLength!.Value.ShouldBeLessThan(payload.Length + 64);
    }

    [Fact]
    public async Task RemoteCall_RegisteredCodecWithLargePayload_SentAsRawBytes()
    {
        var payload = new byte[8 * 1024 * 1024];
        Random.Shared.NextBytes(payload);
        var blob = new BlobMessage("live/event1/video_400000", 123_456_789, payload);

        var echoed = await _a.Grains.GetGrain<IWireGrain>("blob").EchoBlobAsync(blob);

        echoed.Name.ShouldBe(blob.Name);
        echoed.Timestamp.ShouldBe(blob.Timestamp);
        echoed.Payload.AsSpan().SequenceEqual(payload).ShouldBeTrue();
        var received = _b.Received.Single(r => r.Path.EndsWith("EchoBlobAsync", StringComparison.Ordinal));
        received.RequestLength!.Value.ShouldBeLessThan(payload.Length + 128, "the payload must travel as raw bytes, not base64");
        received.ResponseLength!.Value.ShouldBeLessThan(payload.Length + 128);
    }

    [Fact]
    public async Task RemoteCall_ControlRecord_RoundTrips()
    {
        var message = new ControlMessage("event1", StreamKind.Vod, ["a", "b"], TimeSpan.FromMilliseconds(1234), new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), Guid.NewGuid(), null);

        var echoed = await _a.Grains.GetGrain<IWireGrain>("control").EchoControlAsync(message);

        echoed.ShouldBe(message with { Tags = echoed.Tags });
        echoed.Tags.ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task RemoteCall_ScalarsEnumsNullsAndSequences_RoundTrip()
    {
        var grain = _a.Grains.GetGrain<IWireGrain>("scalars");
        var at = new DateTimeOffset(2030, 6, 7, 8, 9, 10, TimeSpan.FromMinutes(-330)).AddTicks(7);
        var id = Guid.NewGuid();

        (await grain.EchoScalarsAsync(StreamKind.Vod, TimeSpan.FromTicks(987654321), id, at, 5, "é text"))
            .ShouldBe(new Scalars(StreamKind.Vod, TimeSpan.FromTicks(987654321), id, at, 5, "é text"));
        (await grain.EchoScalarsAsync(StreamKind.Live, TimeSpan.Zero, Guid.Empty, at, null, null))
            .ShouldBe(new Scalars(StreamKind.Live, TimeSpan.Zero, Guid.Empty, at, null, null));
        (await grain.EchoArrayAsync([1, 2], ["abc", ""], [9L])).ShouldBe([1, 2, 3, 0, 9]);
    }

    [Fact]
    public async Task Http1Silos_RemoteCall_Works()
    {
        await using var b = await SiloHost.StartAsync(http2: false);
        await using var a = await SiloHost.StartAsync(http2: false, locate: _ => b.Endpoint);

        await a.Grains.GetGrain<ICounterGrain>("h1").IncrementAsync();

        (await a.Grains.GetGrain<ICounterGrain>("h1").GetCountAsync()).ShouldBe(1);
        b.Catalog.Count.ShouldBe(1);
    }

    [Fact]
    public async Task GrainReference_LocatorReturnsNull_CallsLocally()
    {
        await using var local = await SiloHost.StartAsync(locate: _ => null);

        (await local.Grains.GetGrain<ICounterGrain>("here").IncrementAsync()).ShouldBe(1);

        local.Catalog.Count.ShouldBe(1);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            watch.Elapsed.ShouldBeLessThan(TestTimeouts.Hang);
            await Task.Delay(5);
        }
    }
}
