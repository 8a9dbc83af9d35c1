using System.Collections.Concurrent;
using System.Net;
using Cluster.Runtime.Tests.TestGrains;
using Cluster.Runtime.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.Tests.Transport;

/// <summary>A real Kestrel silo on 127.0.0.1:0 with its own container, the runtime, the test grains and the transport.</summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private SiloHost(WebApplication app, GrainProbe probe)
    {
        _app = app;
        Probe = probe;
    }

    public GrainProbe Probe { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public IActivationCatalog Catalog => _app.Services.GetRequiredService<IActivationCatalog>();

    public IRemoteGrainInvoker Invoker => _app.Services.GetRequiredService<IRemoteGrainInvoker>();

    /// <summary>Request and response body lengths of grain calls received, by method segment.</summary>
    public ConcurrentQueue<(string Path, long? RequestLength, long? ResponseLength)> Received { get; } = new();

    /// <summary>Paths of grain calls as they arrive, before they are handled.</summary>
    public ConcurrentQueue<string> Arrived { get; } = new();

    /// <summary>Starts a silo; with <c>locate</c>, its grain references route through it (null = local).</summary>
    public static async Task<SiloHost> StartAsync(
        bool http2 = true,
        Func<GrainId, string?>? locate = null,
        Action<GrainCallOptions>? configure = null,
        bool registerUnregisteredGrain = false,
        bool withBlobCodec = true)
    {
        var probe = new GrainProbe();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        builder.Services.AddSingleton(probe);
        builder.Services.AddClusterRuntime();
        builder.Services.AddGrain<ICounterGrain, CounterGrain>();
        builder.Services.AddGrain<IWireGrain, WireGrain>();
        if (registerUnregisteredGrain)
        {
            builder.Services.AddGrain<IUnregisteredGrain, UnregisteredGrain>();
        }

        builder.Services.AddClusterGrainCalls(options =>
        {
            options.UseHttp2 = http2;
            configure?.Invoke(options);
        });
        if (withBlobCodec)
        {
            builder.Services.AddGrainCallCodec(new BlobMessageCodec());
        }

        if (locate is not null)
        {
            builder.Services.AddGrainCallRouting(_ => locate);
        }

        var app = builder.Build();
        var host = new SiloHost(app, probe);
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            var requestLength = context.Request.ContentLength;
            host.Arrived.Enqueue(context.Request.Path.Value ?? "");
            await next(context);
            host.Received.Enqueue((context.Request.Path.Value ?? "", requestLength, context.Response.ContentLength));
        });
        app.MapClusterGrainCalls();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        host.Endpoint = $"127.0.0.1:{address.Port}";
        return host;
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
