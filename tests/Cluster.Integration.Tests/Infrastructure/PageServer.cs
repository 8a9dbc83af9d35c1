using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// Serves the player page and the npm players from the repository on a loopback port of its own, the way a web site
/// hosting a player would (a page from another origin than the stream; loopback, so Chromium's local network access
/// rules treat page and silo alike).
/// </summary>
public sealed class PageServer : IAsyncDisposable
{
    private static readonly string[] Served = ["tools/", "tests/players/node_modules/"];

    private readonly WebApplication _app;

    private PageServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<PageServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/{**path}", (string path) =>
        {
            var file = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, path));
            var relative = Path.GetRelativePath(RepositoryPaths.Root, file).Replace('\\', '/');
            if (!Served.Any(relative.StartsWith) || relative.Contains("..", StringComparison.Ordinal) || !File.Exists(file))
            {
                return Results.NotFound();
            }

            return Results.File(file, file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "text/html");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PageServer(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
