using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>How the admin API admits requests on this node.</summary>
internal enum AdminMode
{
    /// <summary>No credentials configured and every listener on a loopback address: open, for development.</summary>
    Open,

    /// <summary>Credentials are configured: every request needs them.</summary>
    Authenticated,

    /// <summary>No credentials configured and a listener on another address: every request is refused.</summary>
    Disabled,
}

/// <summary>
/// Decides once, from the addresses Kestrel actually bound, whether the admin API is open, needs credentials or is
/// disabled, and says so in the log: a node bound to a public address with no admin credentials must not let anyone
/// reconfigure it, and the operator has to learn why the API refuses.
/// </summary>
internal sealed partial class AdminAccess
{
    private readonly IServer _server;
    private readonly IOptions<SecurityOptions> _options;
    private readonly ILogger<AdminAccess> _logger;
    private readonly Lazy<AdminMode> _mode;

    public AdminAccess(IServer server, IOptions<SecurityOptions> options, ILogger<AdminAccess> logger)
    {
        (_server, _options, _logger) = (server, options, logger);

        // Once, even when the first requests arrive together, so the mode is logged once.
        _mode = new Lazy<AdminMode>(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The mode; resolved on first use (after the server has bound its addresses).</summary>
    public AdminMode Mode => _mode.Value;

    /// <summary>The addresses that disabled the API, for the refusal's reason.</summary>
    public string Listeners { get; private set; } = "";

    private AdminMode Resolve()
    {
        var addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        Listeners = string.Join(", ", addresses);
        if (_options.Value.Admin.HasCredentials)
        {
            LogAuthenticated(_options.Value.Admin.ApiKeys.Count, _options.Value.Admin.Jwt is not null);
            return AdminMode.Authenticated;
        }

        if (addresses.Length > 0 && addresses.All(IsLoopback))
        {
            LogOpen(Listeners);
            return AdminMode.Open;
        }

        LogDisabled(Listeners);
        return AdminMode.Disabled;
    }

    /// <summary>Whether a listener URL (<c>http://127.0.0.1:8080</c>, <c>http://localhost:5000</c>, <c>http://[::1]:0</c>) binds loopback only.</summary>
    internal static bool IsLoopback(string address)
    {
        var host = BindingAddress.HostOf(address);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Admin API: credentials required ({Keys} API keys, JWT bearer: {Jwt})")]
    private partial void LogAuthenticated(int keys, bool jwt);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Admin API: open without credentials, since this node listens on loopback addresses only ({Listeners}); configure Cluster:Security:Admin before binding other addresses")]
    private partial void LogOpen(string listeners);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Admin API: disabled, since this node listens on {Listeners} and no admin credentials are configured (Cluster:Security:Admin:ApiKeys or :Jwt)")]
    private partial void LogDisabled(string listeners);
}

/// <summary>The host part of a Kestrel listener URL.</summary>
internal static class BindingAddress
{
    public static string HostOf(string address)
    {
        var rest = address[(address.IndexOf("://", StringComparison.Ordinal) is var s and >= 0 ? s + 3 : 0)..];
        var slash = rest.IndexOf('/');
        rest = slash >= 0 ? rest[..slash] : rest;
        if (rest.StartsWith('['))
        {
            return rest[..(rest.IndexOf(']') + 1)];
        }

        var colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }
}
