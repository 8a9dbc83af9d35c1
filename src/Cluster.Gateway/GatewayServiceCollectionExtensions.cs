using System.Text.Json.Serialization;
using Cluster.Gateway.Ingest;
using Cluster.Contracts.Tiers;
using Cluster.Gateway.Playback;
using Cluster.Gateway.Pull;
using Cluster.Gateway.Restream;
using Cluster.Gateway.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway;

/// <summary>Registers the HTTP gateway.</summary>
public static class GatewayServiceCollectionExtensions
{
    internal const string CorsPolicy = "players";

    /// <summary>Adds ingest, playback and admin handling with options from <c>Cluster:Gateway</c> and <c>Cluster:PublishingPoints</c>, validated at start-up.</summary>
    public static IServiceCollection AddClusterGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddSingleton<IngestSlots>();
        services.AddSingleton<AutoCreateQuota>();
        services.AddSingleton<SmoothIngestHandler>();
        services.AddSingleton<CmafIngestRegistry>();
        services.AddSingleton<CmafIngestHandler>();
        services.AddSingleton<IngestDispatcher>();
        services.AddSingleton<FragmentHeaderCache>();
        services.AddSingleton(sp => new ImmutableResponseCache(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.ResponseCacheSize));
        services.AddSingleton<SourceFragments>();
        services.AddSingleton<PointStatuses>();
        services.AddHttpClient(SourceFragments.Client, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3), UseCookies = false });
        services.AddSingleton<PlaybackHandler>();
        services.AddSingleton<PullOutputHandler>();
        services.TryAddSingleton<ServerSignatures>();
        services.AddClusterTiers(configuration);
        services.AddClusterSecurity(configuration);
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .AllowAnyOrigin()
            .WithMethods("GET", "HEAD", "OPTIONS")
            .AllowAnyHeader()
            .WithExposedHeaders("Content-Length", "ETag", "Last-Modified", "Date")));
        return services;
    }

    private sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
    {
        public ValidateOptionsResult Validate(string? name, GatewayOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
