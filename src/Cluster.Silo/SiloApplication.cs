using Cluster.Gateway;
using Cluster.Gateway.Security;
using Cluster.Grains;
using Cluster.Grains.Clustering;

namespace Cluster.Silo;

/// <summary>
/// Builds a node: by default an Orleans silo with the gateway co-hosted (one process is a working single-node cluster);
/// <c>Cluster:Silo:Enabled=false</c> makes it a gateway alone (an Orleans client hosting no grains) and
/// <c>Cluster:Gateway:Enabled=false</c> a silo without the public endpoints. <c>--config FILE</c> adds a JSON settings file
/// (e.g. a tier's role in deploy/tiers) over appsettings.json.
/// </summary>
public static class SiloApplication
{
    /// <summary>Where the node listens when nothing (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Kestrel</c> config) says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Builds the application from command-line arguments; <paramref name="configure"/> lets tests adjust the builder.</summary>
    /// <exception cref="InvalidOperationException">Both the silo and the gateway are disabled, or a listener cannot be set up.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The executable's folder holds appsettings.json, wherever it is started from (unless --contentRoot says otherwise).
        var builder = args.Any(a => a.TrimStart('-').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
            ? WebApplication.CreateBuilder(args)
            : WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var configuration = builder.Configuration;
        if (configuration["config"] is { Length: > 0 } file)
        {
            // A node's role file (deploy/tiers/*.json): over appsettings.json, under the command line and the environment.
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"--config names {path}, which does not exist.");
            }

            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
            configuration.AddEnvironmentVariables();
            configuration.AddCommandLine(args);
        }

        var siloEnabled = configuration.GetValue("Cluster:Silo:Enabled", true);
        var gatewayEnabled = configuration.GetValue("Cluster:Gateway:Enabled", true);
        if (!siloEnabled && !gatewayEnabled)
        {
            throw new InvalidOperationException("Cluster:Silo:Enabled and Cluster:Gateway:Enabled are both false: this node would do nothing.");
        }

        if (configuration["urls"] is null && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        if (siloEnabled)
        {
            builder.UseOrleans(silo => silo.AddClusterSilo(configuration));
        }
        else
        {
            builder.UseOrleansClient(client => client.AddClusterClient(configuration));
        }

        builder.Services.AddClusterGrains(configuration);
        builder.Services.AddClusterSecurity(configuration);
        if (gatewayEnabled)
        {
            builder.Services.AddClusterGateway(configuration);
        }

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseClusterForwardedHeaders();
        app.MapClusterHealth();
        if (siloEnabled)
        {
            app.MapLocalSilo().RequireAuthorization(AdminPolicies.Read);
        }

        if (gatewayEnabled)
        {
            app.MapClusterGateway();
        }

        // After the gateway's CORS middleware (refusals carry CORS headers too), before every endpoint.
        app.UseClusterSecurity();

        return app;
    }
}
