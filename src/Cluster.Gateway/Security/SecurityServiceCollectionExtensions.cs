using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>Registers admin, publish and playback authorization and the per-client rate limits (<see cref="SecurityOptions"/>).</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Adds the security services (every node: a silo without the gateway still serves <c>/admin/silo</c>); calling it
    /// again does nothing.
    /// </summary>
    public static IServiceCollection AddClusterSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(AdminAccess)))
        {
            return services;
        }

        var section = configuration.GetSection(SecurityOptions.SectionName);
        services.AddOptions<SecurityOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        services.AddSingleton<AdminAccess>();
        services.TryAddSingleton<ServerSignatures>();
        services.AddSingleton<PublishAuthorization>();
        services.AddSingleton<PlaybackAuthorization>();
        services.AddHttpClient(PlaybackAuthorization.HookClient);
        var security = section.Get<SecurityOptions>() ?? new();
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in security.KnownProxies)
            {
                if (System.Net.IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }
        });
        AdminAuthentication.Add(services, security);
        if (security.Publish.Rules.Any(rule => rule.ClientCertificateThumbprints.Count > 0))
        {
            // HTTPS endpoints ask for (not require) a client certificate; the publish rule checks its thumbprint, so an
            // encoder's self-signed certificate is not refused by the chain check first. Players need none.
            services.Configure<KestrelServerOptions>(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = static (_, _, _) => true;
            }));
        }
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionOf);
            limiter.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    /// <summary>
    /// The client's address from <c>X-Forwarded-For</c> when the connection comes from one of
    /// <see cref="SecurityOptions.KnownProxies"/> (first, before anything reads the address); with none configured the
    /// headers change nothing.
    /// </summary>
    public static IApplicationBuilder UseClusterForwardedHeaders(this IApplicationBuilder app) =>

        // Not even added without known proxies: ASP.NET Core's middleware with empty lists would believe anyone.
        app.ApplicationServices.GetRequiredService<IOptions<SecurityOptions>>().Value.KnownProxies.Count == 0 ? app : app.UseForwardedHeaders();

    /// <summary>Rate limits, authentication and authorization, before any endpoint runs.</summary>
    public static IApplicationBuilder UseClusterSecurity(this IApplicationBuilder app) =>
        app.UseRateLimiter().UseAuthentication().UseAuthorization();

    /// <summary>Admin requests and ingest probes, each per client address; everything else (playback, pushes) is not limited here.</summary>
    private static RateLimitPartition<string> PartitionOf(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.RateLimits;
        var request = context.Request;
        var (kind, permits) = request.Path.StartsWithSegments("/admin") ? ("admin", limits.AdminRequestsPerMinute)
            : HttpMethods.IsPost(request.Method) && request.ContentLength == 0 ? ("probe", limits.IngestProbesPerMinute)
            : ("", 0);
        if (permits == 0)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var client = ClientAddress.Of(context) ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter($"{kind} {client}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var response = rejected.HttpContext.Response;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=utf-8";
        rejected.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
            .CreateLogger(typeof(SecurityServiceCollectionExtensions))
            .RateLimited(rejected.HttpContext.Request.Method, rejected.HttpContext.Request.Path, ClientAddress.Of(rejected.HttpContext));
        await response.WriteAsync("Too many requests from this address; retry later.\n", ct);
    }

    private sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
    {
        public ValidateOptionsResult Validate(string? name, SecurityOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>Source-generated log messages of the rate limits.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "{Method} {Path} from {Remote} refused (429): over its rate limit")]
    public static partial void RateLimited(this ILogger logger, string method, PathString path, string? remote);
}
