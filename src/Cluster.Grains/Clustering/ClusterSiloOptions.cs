using System.Globalization;
using System.Net;

namespace Cluster.Grains.Clustering;

/// <summary>This silo's identity and Orleans endpoints (configuration section <see cref="SectionName"/>).</summary>
public sealed class ClusterSiloOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Silo";

    /// <summary>The silo port when <see cref="Endpoint"/> names none: Orleans' default, 11111.</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Whether this node is a silo (hosts grains); false makes it a gateway-only Orleans client. Default: true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The silo's name, shown by <c>GET /admin/silos</c> and in a point's status (<c>deploy/cluster-start.sh</c> gives
    /// <c>silo-1</c>, <c>silo-2</c>, ...). Default: the machine name.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Where other silos reach this one, <c>ip:port</c> (e.g. <c>10.0.0.5:11111</c>): Orleans' silo-to-silo port,
    /// apart from the public HTTP port. Default: <c>127.0.0.1:11111</c>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>The port Orleans clients (gateway-only nodes) connect to. Default: the silo port + 19000 (30111 for 11111).</summary>
    public int? GatewayPort { get; set; }

    /// <summary>
    /// How long a grain call may take before it fails (Orleans' <c>ResponseTimeout</c>, on silos and gateway-only
    /// nodes), so a request for a point whose silo just crashed answers 503 quickly instead of hanging until the crash
    /// is detected. Methods that wait for the next fragment carry their own, longer timeout. Default: 5 seconds.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The call timeout, checked.</summary>
    /// <exception cref="InvalidOperationException"><see cref="CallTimeout"/> is out of range.</exception>
    public TimeSpan ResolveCallTimeout() =>
        CallTimeout >= TimeSpan.FromMilliseconds(500) && CallTimeout <= TimeSpan.FromMinutes(5)
            ? CallTimeout
            : throw new InvalidOperationException($"{SectionName}:{nameof(CallTimeout)} must be between 500 ms and 5 minutes (was {CallTimeout}).");

    /// <summary>The advertised address and silo port of <see cref="Endpoint"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Endpoint"/> is not <c>ip:port</c>.</exception>
    public IPEndPoint ParseEndpoint()
    {
        var endpoint = string.IsNullOrWhiteSpace(Endpoint) ? $"127.0.0.1:{DefaultSiloPort}" : Endpoint.Trim();
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535
            || !IPAddress.TryParse(endpoint[..colon].Trim('[', ']'), out var address))
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(Endpoint)} must be ip:port, such as 10.0.0.5:11111 (was '{Endpoint}').");
        }

        return new IPEndPoint(address, port);
    }

    /// <summary>The gateway port in effect.</summary>
    /// <exception cref="InvalidOperationException"><see cref="GatewayPort"/> is not a port.</exception>
    public int ResolveGatewayPort(int siloPort)
    {
        var port = GatewayPort ?? siloPort + 19000;
        return port is > 0 and <= 65535 && port != siloPort
            ? port
            : throw new InvalidOperationException($"{SectionName}:{nameof(GatewayPort)} must be a port other than the silo port (was {port}).");
    }
}
