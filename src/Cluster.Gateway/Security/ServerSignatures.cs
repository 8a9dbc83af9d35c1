using System.Collections.Concurrent;
using Cluster.Contracts.Tiers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>
/// Checks the <see cref="ServerAuthentication"/> signature of a request from another server of the deployment (pulls,
/// pushes, the stream list) with this node's cluster key, and refuses a signature it has already accepted: a captured
/// request cannot be replayed, even inside the five minutes a signature is valid. The signatures seen are kept until
/// they expire (swept every 1024 acceptances); at <see cref="MaxRemembered"/> new ones are refused (only holders of the
/// key can make them).
/// </summary>
internal sealed class ServerSignatures(IOptions<TierOptions> tiers, TimeProvider time)
{
    /// <summary>Accepted signatures remembered at most.</summary>
    internal const int MaxRemembered = 200_000;

    private static readonly object ItemKey = new();

    /// <summary>Accepted signatures by their stamp (<c>{seconds}.{nonce}</c>), with when they expire.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private int _accepted;

    /// <summary>Whether this node has a cluster key to check signatures with.</summary>
    public bool HasKey => tiers.Value.SharedKey is not null;

    /// <summary>
    /// Null when the request carries a fresh, valid signature of its method and path; otherwise why not. Checked once per
    /// request (the answer is kept in the request's items), so two checks of one request never see it as a replay.
    /// </summary>
    public string? Verify(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var known))
        {
            return (string?)known;
        }

        var request = context.Request;
        var answer = Verify(request.Headers.Authorization.ToString(), request.Method, request.Path);
        context.Items[ItemKey] = answer;
        return answer;
    }

    /// <summary>Null when <paramref name="authorization"/> is a fresh, valid signature of the request; otherwise why not.</summary>
    public string? Verify(string? authorization, string method, string path)
    {
        if (tiers.Value.SharedKey is not { } key)
        {
            return "This node has no cluster key (Cluster:ClusterKey) to check a server's signature with.";
        }

        var now = time.GetUtcNow();
        if (ServerAuthentication.Verify(key, authorization, method, path, now, out var signedAt) is { } denied)
        {
            return denied;
        }

        if (_seen.Count >= MaxRemembered || (Interlocked.Increment(ref _accepted) & 1023) == 0)
        {
            Forget(now);
        }

        return _seen.Count >= MaxRemembered ? "Too many server requests in the last minutes; retry shortly."
            : !_seen.TryAdd(ServerAuthentication.StampOf(authorization!), signedAt + ServerAuthentication.MaxSkew) ? "This Cluster-HMAC signature was already used (a replayed request)."
            : null;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (signature, expires) in _seen)
        {
            if (expires < now)
            {
                _seen.TryRemove(signature, out _);
            }
        }
    }
}
