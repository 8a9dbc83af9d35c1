using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Testing;

/// <summary>
/// One real Orleans silo in the test process (localhost clustering on free loopback ports), for tests of grains and of
/// what calls them. Services registered by <c>configureServices</c> come first, so a test's clock (a
/// <c>FakeTimeProvider</c>) is the one the grains get. Orleans' own machinery (messaging timeouts, membership, the
/// watchdog, activation collection, directory caches) stays on real time: a test that moves its fake clock by seconds
/// at a time would otherwise expire calls in flight and stall the silo's background loops.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host)
    {
        _host = host;
    }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>References to the silo's grains.</summary>
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Builds and starts a silo; <paramref name="configureSilo"/> sets its clustering (see <see cref="Localhost"/>) and
    /// anything else. Blocks until the silo is active, off the caller's synchronization context.
    /// </summary>
    public static TestSilo Start(Action<ISiloBuilder> configureSilo, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(configureSilo);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        PinOrleansToRealTime(builder.Services);
        builder.UseOrleans(configureSilo);
        GiveTheDirectoryRealTime(builder.Services);
        var host = builder.Build();
        Task.Run(() => host.StartAsync()).GetAwaiter().GetResult();
        return new TestSilo(host);
    }

    /// <summary>
    /// Orleans resolves each area's clock by key and falls back to the default registration; keys registered here win
    /// over that fallback, so only grain timers and grain-facing delays follow the test's clock.
    /// </summary>
    private static void PinOrleansToRealTime(IServiceCollection services)
    {
        string[] areas =
        [
            TimeProviderNames.Messaging, TimeProviderNames.SystemTimers, TimeProviderNames.Membership,
            TimeProviderNames.ActivationManagement, TimeProviderNames.GrainDirectory,
        ];
        foreach (var area in areas)
        {
            services.AddKeyedSingleton(area, TimeProvider.System);
        }
    }

    /// <summary>
    /// Orleans' distributed grain directory takes the default clock, not an area's, for its retry and lease delays:
    /// on a fake clock nobody moves, an activation whose registration is retried while the directory settles at start
    /// waits for ever. It is built with the real clock instead (the type is Orleans' own, hence found by name).
    /// </summary>
    private static void GiveTheDirectoryRealTime(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType.FullName == "Orleans.Runtime.GrainDirectory.DistributedGrainDirectory" && descriptor.ImplementationType is { } type)
            {
                services[i] = ServiceDescriptor.Singleton(descriptor.ServiceType, provider => ActivatorUtilities.CreateInstance(provider, type, TimeProvider.System));
            }
        }
    }

    /// <summary>Localhost clustering on two free ports: a silo alone.</summary>
    public static void Localhost(ISiloBuilder silo)
    {
        var (siloPort, gatewayPort) = TwoFreePorts();
        silo.UseLocalhostClustering(siloPort, gatewayPort);
    }

    /// <summary>Two different TCP ports nothing listens on right now (both held open while the second is chosen).</summary>
    public static (int First, int Second) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }

    /// <summary>A TCP port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <inheritdoc/>
    /// <summary>
    /// Stops the silo. A fake clock keeps moving meanwhile (100 ms every 10 ms): Orleans' stop and the grains' waits run
    /// on the registered clock, and a long poll still pending on a clock nobody moves would hold the stop for ever.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using var stopped = new CancellationTokenSource();
        var ticking = _host.Services.GetService<TimeProvider>() is FakeTimeProvider clock ? TickAsync(clock, stopped.Token) : Task.CompletedTask;
        try
        {
            await Task.Run(async () =>
            {
                await _host.StopAsync();
                _host.Dispose();
            });
        }
        finally
        {
            await stopped.CancelAsync();
            await ticking;
        }
    }

    private static async Task TickAsync(FakeTimeProvider clock, CancellationToken stopped)
    {
        while (!stopped.IsCancellationRequested)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
