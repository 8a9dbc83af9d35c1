using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Contracts.Tiers;

/// <summary>Registers <see cref="TierOptions"/> once, for whichever of the gateway and the grains asks first.</summary>
public static class TierServiceCollectionExtensions
{
    /// <summary>Binds <see cref="TierOptions"/> from <c>Cluster:Tiers</c> and <c>Cluster:ClusterKey</c>, validated at start-up.</summary>
    public static IServiceCollection AddClusterTiers(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TierOptions>)))
        {
            return services;
        }

        services.AddOptions<TierOptions>()
            .Bind(configuration.GetSection(TierOptions.SectionName))
            .Configure(options => UseClusterKey(options, configuration[TierOptions.ClusterKeyName]))
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<TierOptions>, Validator>();
        return services;
    }

    /// <summary><c>Cluster:ClusterKey</c> is the key's name; <c>Cluster:Tiers:SharedKey</c> still works alone.</summary>
    private static void UseClusterKey(TierOptions options, string? clusterKey)
    {
        if (string.IsNullOrEmpty(clusterKey))
        {
            return;
        }

        options.KeysDiffer = options.SharedKey is not null && options.SharedKey != clusterKey;
        options.SharedKey = clusterKey;
    }

    private sealed class Validator : IValidateOptions<TierOptions>
    {
        public ValidateOptionsResult Validate(string? name, TierOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
