using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>
/// <c>POST /admin/playback-tokens</c> with <c>{"pathPrefix":"live/event1","validFor":"01:00:00","clientAddress":null,"keyId":null}</c>
/// answers <c>{"token","expires","keyId"}</c>: operators and tests make tokens without writing the HMAC themselves
/// (a CMS makes them as <see cref="PlaybackToken"/> describes). The first configured key signs unless one is named.
/// </summary>
internal static class PlaybackTokenEndpoint
{
    /// <summary>The request body.</summary>
    internal sealed record Request(string? PathPrefix, TimeSpan? ValidFor, string? ClientAddress, string? KeyId);

    public static async Task<IResult> CreateAsync(HttpRequest http, IOptions<SecurityOptions> security, TimeProvider time)
    {
        Request? request;
        try
        {
            request = await http.ReadFromJsonAsync<Request>(http.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new { error = $"The body is not a token request: {e.Message}" });
        }

        var keys = security.Value.Playback.Keys;
        var validFor = request?.ValidFor ?? TimeSpan.FromHours(1);
        var reason = request?.PathPrefix is null ? "pathPrefix must be given (\"\" covers every point)."
            : keys.Count == 0 ? "No playback keys are configured (Cluster:Security:Playback:Keys)."
            : validFor <= TimeSpan.Zero || validFor > TimeSpan.FromDays(366) ? "validFor must be between 0 and 366 days."
            : request.KeyId is { } id && keys.All(k => k.Id != id) ? $"There is no playback key '{id}'."
            : request.ClientAddress is { Length: > 64 } ? "clientAddress is too long."
            : null;
        if (reason is not null)
        {
            return Results.BadRequest(new { error = reason });
        }

        var key = keys.First(k => request!.KeyId is null || k.Id == request.KeyId);
        var expires = time.GetUtcNow() + validFor;
        var token = PlaybackToken.Create(key.Id!, key.Secret!, request!.PathPrefix!, expires, request.ClientAddress);
        return Results.Ok(new { token, expires = DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()), keyId = key.Id });
    }
}
