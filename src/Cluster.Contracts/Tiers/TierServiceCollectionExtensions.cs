using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Contracts.Tiers;

/// <summary>Registers <see cref="TierOptions"/> once, for whichever of the gateway and the grains asks first.</summary>
public static class TierServiceCollectionExtensions
{
    /// <summary>Binds <see cref="TierOptions"/> from <c>Cluster:Tiers</c>, validated at start-up.</summary>
    public static IServiceCollection AddClusterTiers(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TierOptions>)))
        {
            return services;
        }

        services.AddOptions<TierOptions>().Bind(configuration.GetSection(TierOptions.SectionName)).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<TierOptions>, Validator>();
        return services;
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
