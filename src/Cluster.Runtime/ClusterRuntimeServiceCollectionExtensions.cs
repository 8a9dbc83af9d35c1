using Cluster.Runtime.Catalog;
using Cluster.Runtime.Hosting;
using Cluster.Runtime.References;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime;

/// <summary>Registers the in-process grain runtime, in the manner of Orleans' <c>UseOrleans</c>/<c>AddGrain</c>.</summary>
public static class ClusterRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime: <see cref="IGrainFactory"/>, <see cref="IActivationCatalog"/>, <see cref="TimeProvider.System"/>
    /// unless a <see cref="TimeProvider"/> is already registered, and a hosted service that collects idle activations every
    /// <see cref="GrainCollectionOptions.CollectionQuantum"/> and deactivates every activation when the host stops.
    /// Calls work without the host being started (no idle collection then). Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterRuntime(this IServiceCollection services, Action<GrainCollectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrainCollectionOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainCollectionOptions>, GrainCollectionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ActivationCatalog>();
        services.TryAddSingleton<IActivationCatalog>(sp => sp.GetRequiredService<ActivationCatalog>());
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ActivationCatalog>().GrainFactory);
        services.AddHostedService<GrainCollectionService>();
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TGrainInterface"/>. Every
    /// method of the interface (and its base interfaces) must return <see cref="Task"/>, <see cref="Task{TResult}"/>,
    /// <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/> and must not be generic or take ref/out parameters.
    /// </summary>
    /// <exception cref="ArgumentException">The interface breaks these rules, or is already registered with another class.</exception>
    public static IServiceCollection AddGrain<TGrainInterface, TGrain>(this IServiceCollection services)
        where TGrainInterface : class, IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services
            .Where(d => d.ServiceType == typeof(GrainRegistration) && !d.IsKeyedService && d.ImplementationInstance is GrainRegistration r && r.InterfaceType == typeof(TGrainInterface))
            .Select(d => (GrainRegistration)d.ImplementationInstance!)
            .FirstOrDefault();
        if (existing is not null)
        {
            return existing.GrainClass == typeof(TGrain)
                ? services
                : throw new ArgumentException($"Grain interface {typeof(TGrainInterface)} is already implemented by {existing.GrainClass}; cannot also register {typeof(TGrain)}.", nameof(TGrain));
        }

        services.AddSingleton(new GrainRegistration(typeof(TGrainInterface), typeof(TGrain), GrainInterfaceMetadata.Create(typeof(TGrainInterface))));
        return services;
    }
}
