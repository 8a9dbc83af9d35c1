using Cluster.Silo;
using Cluster.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// A real silo (Kestrel on a free loopback port) started in-process, as <c>dotnet run --project src/Cluster.Silo</c> would,
/// with a fresh temporary data folder (<c>Cluster:DataPath</c>) deleted on dispose.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TemporaryFolder _data;

    private InProcessSilo(WebApplication app, TemporaryFolder data, Uri address, WarningLog warnings)
    {
        Warnings = warnings;
        _app = app;
        _data = data;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The node's data folder (<c>Cluster:DataPath</c>), unless the test named its own.</summary>
    public string DataPath => _data.Path;

    /// <summary>The warnings and errors the node logged, as "{category}[{event id}] {message}".</summary>
    public WarningLog Warnings { get; }

    public static async Task<InProcessSilo> StartAsync(params string[] settings)
    {
        var data = new TemporaryFolder("cluster-silo-");
        try
        {
            // The data folder before the settings, so a test can still name its own.
            // Orleans' ports free too: tests start silos side by side, each a cluster of its own.
            var (siloPort, gatewayPort) = TestSilo.TwoFreePorts();
            string[] args =
            [
                "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", data.DataPathArgument,
                $"--Cluster:Silo:Endpoint=127.0.0.1:{siloPort}", $"--Cluster:Silo:GatewayPort={gatewayPort}", .. settings,
            ];
            var warnings = new WarningLog();
            var app = SiloApplication.Build(args, builder => builder.Logging.AddProvider(warnings));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new InProcessSilo(app, data, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/"), warnings);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public Uri Url(string relative) => new(Address, relative);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _data.Dispose();
    }
}
