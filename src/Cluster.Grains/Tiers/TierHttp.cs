using System.Net;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Restream;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tiers;

/// <summary>
/// The one HTTP client push outputs and pull inputs share: HTTP/1.1 (what Smooth ingest servers speak), no overall
/// timeout (the requests last as long as the event), a bounded connect time, and the cluster-key signature: made with the
/// key of the restreaming source whose URL the request goes to when that source has its own, else this node's key.
/// </summary>
internal sealed class TierHttp(IOptions<TierOptions> options, IOptions<RestreamOptions> restream, TimeProvider timeProvider) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        ConnectTimeout = options.Value.ConnectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public TierOptions Options => options.Value;

    /// <summary>Sends <paramref name="request"/>, signed when a key applies; returns once the response headers are in.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (KeyFor(request.RequestUri!) is { } key)
        {
            request.Headers.TryAddWithoutValidation(
                "Authorization",
                ServerAuthentication.Sign(key, request.Method.Method, request.RequestUri!.AbsolutePath, timeProvider.GetUtcNow()));
        }

        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    private string? KeyFor(Uri uri)
    {
        var url = uri.GetLeftPart(UriPartial.Path);
        var source = restream.Value.Sources.Find(s => s.ClusterKey is not null
            && s.AllUrls.Any(u => url.StartsWith(u + "/", StringComparison.OrdinalIgnoreCase)));
        return source?.ClusterKey ?? options.Value.SharedKey;
    }
}
