using Cluster.Gateway.Playback;
using Cluster.Gateway.Routing;
using Cluster.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Gateway.Tests.Playback;

/// <summary>The gateway's playback handler as the silo registers it, on a real Orleans silo in this process with test grains and a fake clock.</summary>
internal sealed class PlaybackHost : IAsyncDisposable
{
    private readonly TestSilo _silo;

    public PlaybackHost(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Cluster:Gateway:" + s.Key, s.Value)))
            .Build();
        _silo = TestSilo.Start(TestSilo.Localhost, services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton(Origin);
            services.AddClusterGateway(configuration);
        });
        Handler = _silo.Services.GetRequiredService<PlaybackHandler>();
        Responses = _silo.Services.GetRequiredService<ImmutableResponseCache>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public FakeOrigin Origin { get; } = new();

    public PlaybackHandler Handler { get; }

    public ImmutableResponseCache Responses { get; }

    /// <summary>Sends a GET (or <paramref name="method"/>) for <paramref name="path"/> through the handler, as the endpoint routes it.</summary>
    public async Task<PlaybackResponse> GetAsync(string path, string? ifNoneMatch = null, string method = "GET")
    {
        MediaUrl.TryParse(path, out var url, out var error).ShouldBeTrue();
        error.ShouldBeNull();
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }

        using var body = new MemoryStream();
        context.Response.Body = body;
        switch (url!.Kind)
        {
            case MediaUrlKind.Manifest or MediaUrlKind.MediaPlaylist:
                await Handler.ServeManifestAsync(context, url);
                break;
            case MediaUrlKind.Fragment:
                await Handler.ServeFragmentAsync(context, url);
                break;
            case MediaUrlKind.Init:
                await Handler.ServeInitAsync(context, url);
                break;
            default:
                throw new ArgumentException($"{path} is not a playback URL.", nameof(path));
        }

        await context.Response.BodyWriter.FlushAsync();
        var response = context.Response;
        return new PlaybackResponse(
            response.StatusCode,
            body.ToArray(),
            response.ContentType,
            response.Headers.ETag.ToString(),
            response.Headers.CacheControl.ToString(),
            response.ContentLength);
    }

    public async ValueTask DisposeAsync() => await _silo.DisposeAsync();
}

internal sealed record PlaybackResponse(int Status, byte[] Body, string? ContentType, string ETag, string CacheControl, long? ContentLength);
