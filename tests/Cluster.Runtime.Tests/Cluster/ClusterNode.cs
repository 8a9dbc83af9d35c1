using System.Net;
using Cluster.Runtime.Membership;
using Cluster.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Runtime.Tests.Cluster;

/// <summary>A runtime-only node for <see cref="TestCluster"/>: the test grains on a silo (HTTP/2 silo port) or a client.</summary>
public static class ClusterNode
{
    /// <summary>Shared by every node of the process, so tests see activations on all silos at once.</summary>
    public static ActivationLedger Ledger { get; } = new();

    public static readonly TestNodeBuilder Build = (args, configure) =>
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var silo = builder.Configuration.GetValue("Cluster:Silo:Enabled", true);
        var endpoint = builder.Configuration[$"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)}"] ?? "";
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (silo)
            {
                kestrel.Listen(IPAddress.Loopback, int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture), listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddSingleton(Ledger);
        if (silo)
        {
            builder.Services.AddClusterSilo(builder.Configuration);
        }
        else
        {
            builder.Services.AddClusterClient(builder.Configuration);
        }

        builder.Services.AddGrain<IPlacedGrain, PlacedGrain>();
        builder.Services.AddGrain<IPlacedChildGrain, PlacedChildGrain>();
        configure(builder);
        var app = builder.Build();
        if (silo)
        {
            app.MapClusterSilo();
        }

        return app;
    };
}
