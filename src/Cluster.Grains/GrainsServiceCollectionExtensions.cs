using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Contracts.Tiers;
using Cluster.Grains.Archive;
using Cluster.Grains.PublishingPoints;
using Cluster.Grains.Sessions;
using Cluster.Grains.Tiers;
using Cluster.Grains.Storage;
using Cluster.Grains.Tracks;
using Cluster.Grains.Transport;
using Cluster.Runtime;
using Cluster.Runtime.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Grains;

/// <summary>Registers the media grains with the runtime.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>Adds publishing point and track grains, with <see cref="PublishingPointOptions"/> bound from <c>Cluster:PublishingPoints</c> and validated at start-up.</summary>
    public static IServiceCollection AddClusterGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublishingPointOptions>()
            .Bind(configuration.GetSection(PublishingPointOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublishingPointOptions>, PublishingPointOptionsValidator>();
        services.AddPublishingPointStore(configuration);
        services.AddClusterTiers(configuration);
        services.AddSingleton<TierHttp>();
        services.AddSingleton<PullInputFactory>();
        services.AddSingleton<ISessionFollowerFactory, PushOutputFactory>();
        services.AddClusterArchive(configuration);
        if (configuration.GetValue("Cluster:Silo:Enabled", true))
        {
            services.AddHostedService<PullInputKeeper>();
        }

        services.AddGrain<IPublishingPointGrain, PublishingPointGrain>();
        services.AddGrain<ITrackGrain, TrackGrain>();

        // Fragments, and what a gateway reads from a remote silo (fragments with their look-ahead, manifests, CMAF
        // headers), cross silos with their bytes raw, not through the JSON fallback's base64.
        var fragments = new FragmentCodec();
        services.AddGrainCallCodec(fragments);
        services.AddGrainCallCodec(new FragmentReadCodec(fragments));
        services.AddGrainCallCodec(new ManifestDocumentCodec());
        services.AddGrainCallCodec(new CmafTrackHeaderCodec());
        services.AddGrainCallCodec(new TrackStreamReadCodec(fragments));
        return services;
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
