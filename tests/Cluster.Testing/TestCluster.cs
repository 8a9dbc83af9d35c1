using System.Net;
using System.Net.Sockets;
using Cluster.Runtime;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.Membership;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Testing;

/// <summary>Builds one node of a test cluster from command-line style settings, as the product's entry point does.</summary>
public delegate WebApplication TestNodeBuilder(string[] args, Action<WebApplicationBuilder> configure);

/// <summary>
/// An in-process cluster of real silos (Kestrel on loopback ports, HTTP/2 between them) sharing one membership table
/// and grain directory, in memory unless settings name PostgreSQL (Orleans' TestingHost): start, stop, restart and
/// crash silos (a crash writes nothing, so peers must detect it), start gateways, and wait until membership is stable.
/// The nodes share one fresh temporary data folder (<c>Cluster:DataPath</c>), deleted on dispose, as silos sharing a
/// volume would: a restarted silo, or the silo a grain moves to, finds what another one stored there.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestNodeBuilder _build;
    private readonly string[] _settings;
    private readonly InMemoryClusterStore _store = new();
    private readonly List<TestNode> _nodes = [];
    private readonly TemporaryFolder _data = new("cluster-testcluster-");

    private TestCluster(TestNodeBuilder build, string[] settings)
    {
        _build = build;
        _settings = settings;
    }

    /// <summary>Membership settings that detect a dead silo in about a second, for tests that crash silos.</summary>
    public static readonly string[] FastFailureDetection =
    [
        "--Cluster:Membership:ProbeInterval=00:00:00.200",
        "--Cluster:Membership:ProbeTimeout=00:00:00.500",
        "--Cluster:Membership:MissedProbesLimit=3",
        "--Cluster:Membership:TableRefreshInterval=00:00:00.200",
        "--Cluster:Membership:IAmAliveInterval=00:00:01",
    ];

    /// <summary>Silos that are running (started and neither stopped nor crashed).</summary>
    public IReadOnlyList<TestNode> Silos
    {
        get
        {
            lock (_nodes)
            {
                return [.. _nodes.Where(n => n.IsSilo && n.IsRunning)];
            }
        }
    }

    /// <summary>Gateways (nodes hosting no grains) that are running.</summary>
    public IReadOnlyList<TestNode> Gateways
    {
        get
        {
            lock (_nodes)
            {
                return [.. _nodes.Where(n => !n.IsSilo && n.IsRunning)];
            }
        }
    }

    /// <summary>Starts <paramref name="silos"/> silos one after the other and waits until each sees all.</summary>
    public static async Task<TestCluster> StartAsync(TestNodeBuilder build, int silos, params string[] settings)
    {
        var cluster = new TestCluster(build, settings);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                await cluster.StartSiloAsync();
            }

            await cluster.WaitForStableAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts another silo on fresh ports.</summary>
    public Task<TestNode> StartSiloAsync(params string[] settings) => StartNodeAsync(isSilo: true, FreePort(), FreePort(), settings);

    /// <summary>Starts a gateway: the same node with <c>Cluster:Silo:Enabled=false</c>, hosting no grains.</summary>
    public Task<TestNode> StartGatewayAsync(params string[] settings) => StartNodeAsync(isSilo: false, FreePort(), siloPort: 0, settings);

    /// <summary>Stops a node gracefully (a silo writes ShuttingDown, deactivates its grains, writes Dead).</summary>
    public async Task StopAsync(TestNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        await node.StopAsync(crash: false);
    }

    /// <summary>
    /// Crashes a silo: its membership protocol and catalog stop writing, then the process's listeners close at once. Its
    /// row stays Active and its directory entries stay until peers declare it dead.
    /// </summary>
    public async Task CrashAsync(TestNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        await node.StopAsync(crash: true);
    }

    /// <summary>Stops a silo gracefully and starts a new generation on the same ports.</summary>
    public async Task<TestNode> RestartAsync(TestNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        await node.StopAsync(crash: false);
        return await StartNodeAsync(node.IsSilo, node.PublicPort, node.SiloPort, node.ExtraSettings);
    }

    /// <summary>
    /// Waits until every running silo sees exactly the running silos as Active (and every running gateway sees the same),
    /// as Orleans' <c>WaitForLivenessToStabilizeAsync</c>.
    /// </summary>
    /// <exception cref="TimeoutException">Membership did not settle in time (default 30 s).</exception>
    public async Task WaitForStableAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var expected = Silos.Select(s => s.SiloAddress!).OrderBy(a => a).ToList();
            var views = Silos.Concat(Gateways).Select(n => n.View.Current.ActiveSilos.Select(m => m.SiloAddress).OrderBy(a => a).ToList()).ToList();
            if (views.All(v => v.SequenceEqual(expected)))
            {
                return;
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Membership did not settle: expected {string.Join(", ", expected)}; views: {string.Join(" | ", views.Select(v => string.Join(", ", v)))}.");
            }

            await Task.Delay(25, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<TestNode> nodes;
        lock (_nodes)
        {
            nodes = [.. _nodes];
        }

        // Gateways first, then silos, each gracefully, so nothing waits on failure detection.
        foreach (var node in nodes.OrderBy(n => n.IsSilo))
        {
            await node.DisposeAsync();
        }

        _data.Dispose();
    }

    private async Task<TestNode> StartNodeAsync(bool isSilo, int publicPort, int siloPort, string[] extraSettings)
    {
        List<string> args =
        [
            "--urls", $"http://127.0.0.1:{publicPort}",
            "--Logging:LogLevel:Default=Warning",

            // Before the settings, so a test can still name its own folder.
            _data.DataPathArgument,
            .. _settings,
            .. extraSettings,
        ];
        args.Add(isSilo ? $"--Cluster:Silo:Endpoint=127.0.0.1:{siloPort}" : "--Cluster:Silo:Enabled=false");
        var app = _build([.. args], builder => builder.Services.AddSingleton(_store));
        var node = new TestNode(app, isSilo, publicPort, siloPort, extraSettings);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        await app.StartAsync();
        node.IsRunning = true;
        return node;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One node of a <see cref="TestCluster"/>: a silo (with the gateway co-hosted when its builder adds it) or a gateway alone.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _stop = new(1, 1);

    internal TestNode(WebApplication app, bool isSilo, int publicPort, int siloPort, string[] extraSettings)
    {
        _app = app;
        IsSilo = isSilo;
        PublicPort = publicPort;
        SiloPort = siloPort;
        ExtraSettings = extraSettings;
        PublicAddress = new Uri($"http://127.0.0.1:{publicPort}/");
        Http = new HttpClient { BaseAddress = PublicAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public bool IsSilo { get; }

    public bool IsRunning { get; internal set; }

    public int PublicPort { get; }

    public int SiloPort { get; }

    /// <summary>The node's public HTTP address (ingest, playback, admin).</summary>
    public Uri PublicAddress { get; }

    /// <summary>A client of <see cref="PublicAddress"/>.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public IActivationCatalog Catalog => _app.Services.GetRequiredService<IActivationCatalog>();

    /// <summary>This silo's address; null for a gateway.</summary>
    public SiloAddress? SiloAddress => IsSilo ? _app.Services.GetRequiredService<IClusterMembership>().LocalSilo : null;

    internal string[] ExtraSettings { get; }

    internal IClusterView View => _app.Services.GetRequiredService<IClusterView>();

    public Uri Url(string relative) => new(PublicAddress, relative);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(crash: false);
        Http.Dispose();
        await _app.DisposeAsync();
    }

    internal async Task StopAsync(bool crash)
    {
        await _stop.WaitAsync();
        try
        {
            if (!IsRunning)
            {
                return;
            }

            IsRunning = false;
            if (crash)
            {
                (_app.Services.GetRequiredService<IClusterMembership>() as MembershipService)?.Crash();
                _app.Services.GetRequiredService<ActivationCatalog>().Crash();
                using var now = new CancellationTokenSource();
                await now.CancelAsync();
                await _app.StopAsync(now.Token);
            }
            else
            {
                await _app.StopAsync();
            }
        }
        finally
        {
            _stop.Release();
        }
    }
}
