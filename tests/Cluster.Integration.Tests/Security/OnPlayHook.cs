using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Integration.Tests.Security;

/// <summary>A real HTTP on_play hook on a free loopback port: allows the one token it is given, refuses the rest, counts calls.</summary>
internal sealed class OnPlayHook : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;
    private bool _disposed;

    private OnPlayHook(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Calls => Volatile.Read(ref _calls);

    public string LastBody { get; private set; } = "";

    public static async Task<OnPlayHook> StartAsync(string allowed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var hook = new OnPlayHook(app);
        app.MapPost("/on_play", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref hook._calls);
            using var reader = new StreamReader(request.Body);
            hook.LastBody = await reader.ReadToEndAsync();
            return hook.LastBody.Contains($"\"token\":\"{allowed}\"", StringComparison.Ordinal) ? Results.Ok() : Results.StatusCode(403);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hook.Url = new Uri(address + "/on_play");
        return hook;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
