using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Playback;
using Cluster.Gateway.Routing;
using Cluster.Runtime;
using Cluster.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests.Playback;

/// <summary>The gateway's playback handler as the silo registers it, on the real in-process runtime with test grains and a fake clock.</summary>
internal sealed class PlaybackHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public PlaybackHost(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Cluster:Gateway:" + s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Origin);
        services.AddClusterRuntime();
        services.AddGrain<IPublishingPointGrain, FakePointGrain>();
        services.AddGrain<ITrackGrain, FakeTrackGrain>();
        services.AddClusterGateway(configuration);
        _services = services.BuildServiceProvider(validateScopes: true);
        Handler = _services.GetRequiredService<PlaybackHandler>();
        Responses = _services.GetRequiredService<ImmutableResponseCache>();
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

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}

internal sealed record PlaybackResponse(int Status, byte[] Body, string? ContentType, string ETag, string CacheControl, long? ContentLength);
