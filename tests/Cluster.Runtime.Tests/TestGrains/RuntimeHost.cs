using Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cluster.Runtime.Tests.TestGrains;

/// <summary>The runtime with the test grains, a fake clock and a probe; the hosted service is started on request.</summary>
public sealed class RuntimeHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public RuntimeHost(Action<GrainCollectionOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Probe);
        services.AddClusterRuntime(configure);
        services.AddGrain<ICounterGrain, CounterGrain>();
        services.AddGrain<IPeerGrain, PeerGrain>();
        services.AddGrain<IKeepAliveGrain, KeepAliveGrain>();
        services.AddGrain<IShortLivedGrain, ShortLivedGrain>();
        services.AddGrain<IFlakyActivationGrain, FlakyActivationGrain>();
        services.AddGrain<ISlowDeactivationGrain, SlowDeactivationGrain>();
        services.AddGrain<IChainGrain, ChainGrain>();
        _services = services.BuildServiceProvider(validateScopes: true);
        Grains = _services.GetRequiredService<IGrainFactory>();
        Catalog = _services.GetRequiredService<IActivationCatalog>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public GrainProbe Probe { get; } = new();

    public IGrainFactory Grains { get; }

    public IActivationCatalog Catalog { get; }

    public IHostedService HostedService => _services.GetServices<IHostedService>().Single();

    public Task StartAsync() => HostedService.StartAsync(CancellationToken.None);

    public Task StopAsync() => HostedService.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
