using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cluster.Silo;

/// <summary>
/// Declares Kestrel's listeners in code when the silo needs its own HTTP/2-only port next to the public one. Kestrel
/// ignores <c>urls</c> once any listener is declared in code, so the public URLs are declared here too.
/// </summary>
internal static class KestrelListeners
{
    /// <summary>Listens on every public URL (HTTP/1.1: encoders and players over cleartext) and on the silo endpoint (HTTP/2 without TLS, for peers).</summary>
    /// <exception cref="InvalidOperationException">A URL or the endpoint cannot be listened on (not http, no port, a host name that is not local).</exception>
    public static void Configure(KestrelServerOptions kestrel, IEnumerable<string> publicUrls, string siloEndpoint)
    {
        foreach (var url in publicUrls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new InvalidOperationException($"Cannot listen on '{url}': give http://host[:port] (TLS is terminated in front of the cluster).");
            }

            Listen(kestrel, uri.Host, uri.Port, HttpProtocols.Http1);
        }

        var colon = siloEndpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(siloEndpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"The silo endpoint '{siloEndpoint}' is not host:port.");
        }

        Listen(kestrel, siloEndpoint[..colon].Trim('[', ']'), port, HttpProtocols.Http2);
    }

    /// <summary>The port of a <c>host:port</c> endpoint.</summary>
    public static int PortOf(string endpoint) =>
        int.Parse(endpoint.AsSpan(endpoint.LastIndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Listen(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols)
    {
        void Configure(ListenOptions listen) => listen.Protocols = protocols;
        if (host is "localhost")
        {
            kestrel.ListenLocalhost(port, Configure);
        }
        else if (host is "0.0.0.0" or "::" or "[::]")
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, port, Configure);
        }
        else
        {
            // A DNS name peers resolve to this machine: listen on every interface.
            kestrel.ListenAnyIP(port, Configure);
        }
    }
}
