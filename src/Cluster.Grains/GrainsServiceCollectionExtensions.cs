using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Restream;
using Cluster.Contracts.Tiers;
using Cluster.Grains.Activations;
using Cluster.Grains.Archive;
using Cluster.Grains.PublishingPoints;
using Cluster.Grains.Restream;
using Cluster.Grains.Sessions;
using Cluster.Grains.Tiers;
using Cluster.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Grains;

/// <summary>Registers what the media grains need (Orleans finds the grain classes themselves).</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>Adds the services of publishing point and track grains, with <see cref="PublishingPointOptions"/> bound from <c>Cluster:PublishingPoints</c> and validated at start-up.</summary>
    public static IServiceCollection AddClusterGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublishingPointOptions>()
            .Bind(configuration.GetSection(PublishingPointOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublishingPointOptions>, PublishingPointOptionsValidator>();
        services.AddSingleton<IPostConfigureOptions<PublishingPointOptions>, IisDefinitionFiles>();
        services.AddPublishingPointStore(configuration);
        services.AddClusterTiers(configuration);
        services.AddSingleton<RunningActivations>();
        services.AddSingleton<NodeUsage>();
        services.AddOptions<RestreamOptions>().Bind(configuration.GetSection(RestreamOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RestreamOptions>, RestreamOptionsValidator>();
        services.AddSingleton<TierHttp>();
        services.AddSingleton<PullInputFactory>();
        services.AddSingleton<ISessionFollowerFactory, PushOutputFactory>();
        services.AddClusterArchive(configuration);
        if (configuration.GetValue("Cluster:Silo:Enabled", true))
        {
            services.AddHostedService<PullInputKeeper>();
            services.AddHostedService<RestreamKeeper>();
        }

        return services;
    }

    private sealed class RestreamOptionsValidator(IOptions<TierOptions> tiers) : IValidateOptions<RestreamOptions>
    {
        public ValidateOptionsResult Validate(string? name, RestreamOptions options)
        {
            var problems = options.Validate(tiers.Value.SharedKey).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class PublishingPointOptionsValidator : IValidateOptions<PublishingPointOptions>
    {
        public ValidateOptionsResult Validate(string? name, PublishingPointOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
