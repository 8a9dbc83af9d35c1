using Cluster.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Tests;

public sealed class ClusterRuntimeServiceCollectionExtensionsTests
{
    public interface ISyncGrain : IGrainWithStringKey
    {
        int Get();
    }

    public interface IGenericMethodGrain : IGrainWithStringKey
    {
        Task<T> GetAsync<T>();
    }

    public interface IRefGrain : IGrainWithStringKey
    {
        Task GetAsync(ref int value);
    }

    public interface IBaseGrain : IGrainWithStringKey
    {
        Task<string> BaseAsync();
    }

    public interface IDerivedGrain : IBaseGrain
    {
        Task<string> DerivedAsync();
    }

    public interface IUnregisteredGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    public interface IInjectedGrain : IGrainWithStringKey
    {
        Task<TimeSpan> GetCollectionAgeAsync();
    }

    public interface IMissingDependencyGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    [Fact]
    public async Task Call_GrainConstructorTakesServices_ResolvesThem()
    {
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddClusterRuntime(o => o.CollectionAge = TimeSpan.FromMinutes(7))
            .AddGrain<IInjectedGrain, InjectedGrain>()
            .BuildServiceProvider();

        (await provider.GetRequiredService<IGrainFactory>().GetGrain<IInjectedGrain>("k").GetCollectionAgeAsync()).ShouldBe(TimeSpan.FromMinutes(7));
    }

    [Fact]
    public async Task Call_GrainConstructorNeedsUnregisteredService_ThrowsGrainCallException()
    {
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddClusterRuntime()
            .AddGrain<IMissingDependencyGrain, MissingDependencyGrain>()
            .BuildServiceProvider();
        var grain = provider.GetRequiredService<IGrainFactory>().GetGrain<IMissingDependencyGrain>("k");

        var exception = await Should.ThrowAsync<GrainCallException>(() => grain.PingAsync());

        exception.InnerException.ShouldBeOfType<InvalidOperationException>();
        provider.GetRequiredService<IActivationCatalog>().Count.ShouldBe(0);
    }

    [Fact]
    public void AddGrain_MethodNotReturningTask_ThrowsNamingMethod()
    {
        var exception = Should.Throw<ArgumentException>(() => new ServiceCollection().AddGrain<ISyncGrain, SyncGrain>());

        exception.Message.ShouldContain("ISyncGrain.Get");
        exception.Message.ShouldContain("Task, Task<T>, ValueTask or ValueTask<T>");
    }

    [Fact]
    public void AddGrain_GenericMethod_Throws() =>
        Should.Throw<ArgumentException>(() => new ServiceCollection().AddGrain<IGenericMethodGrain, GenericMethodGrain>()).Message.ShouldContain("generic");

    [Fact]
    public void AddGrain_RefParameter_Throws() =>
        Should.Throw<ArgumentException>(() => new ServiceCollection().AddGrain<IRefGrain, RefGrain>()).Message.ShouldContain("ref");

    [Fact]
    public void AddGrain_SameInterfaceTwiceWithSameClass_IsIgnored()
    {
        var services = new ServiceCollection().AddGrain<ICounterGrain, CounterGrain>().AddGrain<ICounterGrain, CounterGrain>();

        services.Count.ShouldBe(1);
    }

    [Fact]
    public async Task GetGrain_InheritedInterfaceMethods_AreCallable()
    {
        var services = new ServiceCollection().AddLogging().AddClusterRuntime().AddGrain<IDerivedGrain, DerivedGrain>();
        await using var provider = services.BuildServiceProvider();
        var grain = provider.GetRequiredService<IGrainFactory>().GetGrain<IDerivedGrain>("k");

        (await grain.BaseAsync()).ShouldBe("base k");
        (await grain.DerivedAsync()).ShouldBe("derived k");
    }

    [Fact]
    public async Task GetGrain_UnregisteredInterface_ThrowsInvalidOperation()
    {
        await using var host = new RuntimeHost();

        Should.Throw<InvalidOperationException>(() => host.Grains.GetGrain<IUnregisteredGrain>("x")).Message.ShouldContain("AddGrain");
    }

    [Fact]
    public async Task GetGrain_EmptyKey_ThrowsArgumentException()
    {
        await using var host = new RuntimeHost();

        Should.Throw<ArgumentException>(() => host.Grains.GetGrain<ICounterGrain>(""));
    }

    [Fact]
    public async Task AddClusterRuntime_NoTimeProviderRegistered_UsesSystem()
    {
        await using var provider = new ServiceCollection().AddLogging().AddClusterRuntime().BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().ShouldBeSameAs(TimeProvider.System);
        provider.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionAge.ShouldBe(TimeSpan.FromMinutes(15));
        provider.GetServices<IHostedService>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task AddClusterRuntime_CalledTwice_RegistersOneHostedService()
    {
        await using var provider = new ServiceCollection().AddLogging().AddClusterRuntime().AddClusterRuntime().BuildServiceProvider();

        provider.GetServices<IHostedService>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task AddClusterRuntime_InvalidOptions_FailsHostStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClusterRuntime(o => o.CollectionQuantum = TimeSpan.Zero);
        using var host = builder.Build();

        var exception = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        exception.Message.ShouldContain("CollectionQuantum");
    }

    [Fact]
    public async Task AddClusterRuntime_InGenericHost_StartsAndStopsDeactivatingGrains()
    {
        var builder = Host.CreateApplicationBuilder();
        var probe = new GrainProbe();
        builder.Services.AddSingleton(probe);
        builder.Services.AddClusterRuntime().AddGrain<ICounterGrain, CounterGrain>();
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("hosted").IncrementAsync();

        await host.StopAsync();

        (await probe.NextDeactivationAsync()).Reason.ShouldBe(DeactivationReason.ShuttingDown);
    }

    public sealed class InjectedGrain(IOptions<GrainCollectionOptions> options, TimeProvider clock, ILogger<InjectedGrain> logger) : Grain, IInjectedGrain
    {
        public Task<TimeSpan> GetCollectionAgeAsync()
        {
            logger.ShouldNotBeNull();
            clock.ShouldBeSameAs(TimeProvider.System);
            return Task.FromResult(options.Value.CollectionAge);
        }
    }

    public sealed class MissingDependencyGrain(IServiceScopeFactory scopes, UnregisteredService missing) : Grain, IMissingDependencyGrain
    {
        public Task PingAsync() => Task.FromResult((scopes, missing));
    }

    public sealed class UnregisteredService;

    public sealed class SyncGrain : Grain, ISyncGrain
    {
        public int Get() => 1;
    }

    public sealed class GenericMethodGrain : Grain, IGenericMethodGrain
    {
        public Task<T> GetAsync<T>() => Task.FromResult(default(T)!);
    }

    public sealed class RefGrain : Grain, IRefGrain
    {
        public Task GetAsync(ref int value) => Task.CompletedTask;
    }

    public sealed class DerivedGrain : Grain, IDerivedGrain
    {
        public Task<string> BaseAsync() => Task.FromResult($"base {PrimaryKey}");

        public Task<string> DerivedAsync() => Task.FromResult($"derived {PrimaryKey}");
    }
}
