using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>
/// Probes a silo with <c>GET http://{endpoint}/cluster/v1/ping?generation={generation}</c>
/// (<see cref="ClusterMembershipEndpointRouteBuilderExtensions.MapClusterMembershipEndpoints"/>): alive only on 200.
/// HTTP/2 cleartext with prior knowledge by default; HTTP/1.1 when <see cref="MembershipOptions.ProbeOverHttp2"/> is false.
/// </summary>
internal sealed class HttpSiloProber : ISiloProber, IDisposable
{
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly Version _version;
    private readonly ILogger _logger;

    public HttpSiloProber(IOptions<MembershipOptions> options, ILogger<HttpSiloProber> logger)
        : this(CreateClient(options.Value), ownsClient: true, options.Value.ProbeOverHttp2, logger)
    {
    }

    internal HttpSiloProber(HttpClient client, bool ownsClient, bool http2, ILogger logger)
    {
        _client = client;
        _ownsClient = ownsClient;
        _version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        _logger = logger;
    }

    public async Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var request = new HttpRequestMessage(HttpMethod.Get, PingUri(target))
        {
            Version = _version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                _logger.ProbeRejected(target, (int)response.StatusCode);
                return false;
            }

            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            _logger.ProbeFailed(target, exception.Message);
            return false;
        }
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <summary>The ping URL of <paramref name="target"/>.</summary>
    internal static Uri PingUri(SiloAddress target) =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://{target.Endpoint}{ClusterMembershipEndpointRouteBuilderExtensions.PingPath}?generation={target.Generation}"));

    private static HttpClient CreateClient(MembershipOptions options) =>
        new(new SocketsHttpHandler
        {
            ConnectTimeout = options.ProbeTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AllowAutoRedirect = false,
        })
        {
            // The protocol bounds each probe with ProbeTimeout on its own clock; this is only a backstop.
            Timeout = Timeout.InfiniteTimeSpan,
        };
}
