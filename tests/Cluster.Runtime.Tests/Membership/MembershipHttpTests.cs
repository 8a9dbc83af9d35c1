using System.Net;
using System.Net.Sockets;
using Cluster.Runtime.Membership;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Runtime.Tests.Membership;

/// <summary>The ping endpoint on a real Kestrel and <see cref="HttpSiloProber"/> against it.</summary>
public sealed class MembershipHttpTests : IAsyncLifetime
{
    private const long Generation = 638_000_000_000_000_000;

    /// <summary>The endpoint the fake membership reports; the ping answers with its own address, whatever it was dialled at.</summary>
    private const string LocalEndpoint = "placeholder:1";

    private readonly HttpClient _client = new();
    private WebApplication? _app;
    private WebApplication? _h2App;

    private string Endpoint { get; set; } = "";

    private string H2Endpoint { get; set; } = "";

    public async Task InitializeAsync()
    {
        (_app, Endpoint) = await StartAsync(HttpProtocols.Http1AndHttp2);
        (_h2App, H2Endpoint) = await StartAsync(HttpProtocols.Http2);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        foreach (var app in new[] { _app, _h2App })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Ping_OwnGeneration_Ok()
    {
        using var response = await _client.GetAsync(HttpSiloProber.PingUri(new SiloAddress(Endpoint, Generation)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe(new SiloAddress(LocalEndpoint, Generation).ToString());
    }

    [Fact]
    public async Task Ping_OtherGeneration_Gone()
    {
        using var response = await _client.GetAsync(HttpSiloProber.PingUri(new SiloAddress(Endpoint, Generation - 1)));

        response.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Ping_NoGeneration_BadRequest()
    {
        using var response = await _client.GetAsync(new Uri($"http://{Endpoint}{ClusterMembershipEndpointRouteBuilderExtensions.PingPath}"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ProbeAsync_OwnGeneration_True()
    {
        using var prober = CreateProber(http2: false);

        (await prober.ProbeAsync(new SiloAddress(Endpoint, Generation), CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task ProbeAsync_OtherGeneration_False()
    {
        using var prober = CreateProber(http2: false);

        (await prober.ProbeAsync(new SiloAddress(Endpoint, Generation + 1), CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ProbeAsync_ConnectionRefused_False()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var prober = CreateProber(http2: false);

        (await prober.ProbeAsync(new SiloAddress($"127.0.0.1:{port}", Generation), CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ProbeAsync_Http2Cleartext_True()
    {
        using var prober = CreateProber(http2: true);

        (await prober.ProbeAsync(new SiloAddress(H2Endpoint, Generation), CancellationToken.None)).ShouldBeTrue();
        (await prober.ProbeAsync(new SiloAddress(H2Endpoint, Generation + 1), CancellationToken.None)).ShouldBeFalse();
    }

    private static HttpSiloProber CreateProber(bool http2) =>
        new(Microsoft.Extensions.Options.Options.Create(new MembershipOptions { ProbeOverHttp2 = http2 }), NullLogger<HttpSiloProber>.Instance);

    private static async Task<(WebApplication App, string Endpoint)> StartAsync(HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols));
        builder.Services.AddSingleton<IClusterMembership>(new FixedMembership(new SiloAddress(LocalEndpoint, Generation)));
        var app = builder.Build();
        app.MapClusterMembershipEndpoints();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, $"127.0.0.1:{address.Port}");
    }

    private sealed class FixedMembership(SiloAddress local) : IClusterMembership
    {
        public event EventHandler<ClusterMembershipSnapshot>? Changed
        {
            add { }
            remove { }
        }

        public SiloAddress LocalSilo => local;

        public ClusterMembershipSnapshot Current => ClusterMembershipSnapshot.Empty;

        public IReadOnlyList<MembershipEntry> ActiveSilos => [];

        public MembershipVersion Version => MembershipVersion.MinValue;
    }
}
