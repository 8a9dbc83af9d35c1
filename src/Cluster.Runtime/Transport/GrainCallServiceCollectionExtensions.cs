using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Transport;

/// <summary>Registers silo-to-silo grain calls.</summary>
public static class GrainCallServiceCollectionExtensions
{
    /// <summary>
    /// Adds both ends of silo-to-silo grain calls: <see cref="IRemoteGrainInvoker"/> (the client, one shared
    /// <see cref="SocketsHttpHandler"/>) and what <see cref="GrainCallEndpointRouteBuilderExtensions.MapClusterGrainCalls"/>
    /// needs. Needs <see cref="ClusterRuntimeServiceCollectionExtensions.AddClusterRuntime"/>. Grain references still call
    /// locally until routing is configured. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddClusterGrainCalls(this IServiceCollection services, Action<GrainCallOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrainCallOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainCallOptions>, GrainCallOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrainCallCodecRegistry>();
        services.TryAddSingleton<RemoteGrainInvoker>();
        services.TryAddSingleton<IRemoteGrainInvoker>(sp => sp.GetRequiredService<RemoteGrainInvoker>());
        services.TryAddSingleton<GrainCallEndpoint>();
        services.TryAddSingleton<IGrainCallRouter, LocalGrainCallRouter>();
        return services;
    }

    /// <summary>
    /// Encodes <typeparamref name="T"/> with <paramref name="codec"/> in grain calls instead of the built-in encoding; the
    /// last registration for a type wins. Register the same codecs on every silo.
    /// </summary>
    public static IServiceCollection AddGrainCallCodec<T>(this IServiceCollection services, IGrainCallCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(codec);
        services.AddSingleton(new GrainCallCodecRegistration(typeof(T), new TypedValueCodec<T>(codec)));
        return services;
    }

    /// <summary>
    /// Makes grain references ask <paramref name="locatorFactory"/>'s function where a grain lives: null for this silo,
    /// otherwise the endpoint of the silo to call. The seam for placement and the grain directory.
    /// </summary>
    internal static IServiceCollection AddGrainCallRouting(this IServiceCollection services, Func<IServiceProvider, Func<GrainId, string?>> locatorFactory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(locatorFactory);
        services.AddClusterGrainCalls();
        services.RemoveAll<IGrainCallRouter>();
        services.AddSingleton<IGrainCallRouter>(sp => new RemoteGrainCallRouter(sp.GetRequiredService<IRemoteGrainInvoker>(), locatorFactory(sp)));
        return services;
    }
}
