using System.Net;
using Microsoft.AspNetCore.Http;

namespace Cluster.Gateway.Security;

/// <summary>
/// The client's address as tokens, rate limits and quotas name it: IPv4 clients of a dual-stack listener (<c>[::]</c>)
/// arrive as <c>::ffff:a.b.c.d</c> and are written <c>a.b.c.d</c>, as a CMS binding a token to them would.
/// </summary>
internal static class ClientAddress
{
    public static string? Of(HttpContext context) => Normalize(context.Connection.RemoteIpAddress);

    public static string? Normalize(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
