using Cluster.Gateway;
using Cluster.Grains;
using Cluster.Runtime;

namespace Cluster.Silo;

/// <summary>Builds a silo with the gateway co-hosted: one process is a working single-node cluster.</summary>
public static class SiloApplication
{
    /// <summary>Where the node listens when nothing (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Kestrel</c> config) says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Builds the application from command-line arguments; <paramref name="configure"/> lets tests adjust the builder.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.AddClusterRuntime();
        builder.Services.AddClusterGrains(builder.Configuration);
        builder.Services.AddClusterGateway(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapClusterGateway();
        return app;
    }
}
