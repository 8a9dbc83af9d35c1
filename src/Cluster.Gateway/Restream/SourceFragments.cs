using System.Collections.Concurrent;
using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Playback;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Gateway.Restream;

/// <summary>
/// Transparent access to a source's DVR: a fragment a restreamed point no longer holds (older than the oldest it has:
/// outside its own window) is fetched from the source at the same URL (both nodes answer the same bytes there), trying the point's
/// pull URLs in their order, always on the pull URL's own host. Only responses the source marks immutable are taken; the
/// playback handler keeps them in its response cache, so each is fetched once; a fragment no source has is not asked
/// for again for 10 seconds.
/// </summary>
internal sealed partial class SourceFragments(IHttpClientFactory clients, TimeProvider time, ILogger<SourceFragments> logger)
{
    private const int MaxMisses = 10_000;
    private static readonly TimeSpan MissLifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _misses = new(StringComparer.Ordinal);

    /// <summary>The HttpClient name.</summary>
    public const string Client = "Cluster.RestreamSource";

    /// <summary>Largest fragment taken from a source (far above any real fragment; a source is not trusted with memory).</summary>
    internal const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>The fragment at <paramref name="path"/> from one of the point's sources, or null.</summary>
    public async Task<CachedResponse?> FetchAsync(PublishingPointStatus status, PathString path, CancellationToken cancellationToken)
    {
        if (status.Settings is not { RestreamedFrom: not null, PullInput: { Mode: PullMode.Stream } pull })
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (_misses.TryGetValue(path.Value!, out var until) && until > now)
        {
            return null;
        }

        var http = clients.CreateClient(Client);
        foreach (var url in pull.Urls)
        {
            // The source's scheme, host and port with the request's path as it is: a path can never name another host.
            var upstream = new Uri(url);
            var source = new UriBuilder(upstream.Scheme, upstream.Host, upstream.Port) { Path = path.Value }.Uri;
            try
            {
                using var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK && response.Headers.CacheControl?.Extensions.Any(e => e.Name == "immutable") == true
                    && response.Content.Headers.ContentLength is > 0 and <= MaxBytes)
                {
                    var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    LogFetched(status.Path, source.ToString(), body.Length);
                    return new CachedResponse(body, response.Content.Headers.ContentType?.ToString() ?? "video/mp4", response.Headers.ETag?.ToString() ?? $"\"s{body.Length:x}\"");
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(status.Path, source.ToString(), e.Message);
            }
        }

        Remember(path.Value!, now);
        return null;
    }

    /// <summary>A fragment no source had is not asked for again for <see cref="MissLifetime"/> (bounded: past the limit the list starts again).</summary>
    private void Remember(string path, DateTimeOffset now)
    {
        if (_misses.Count >= MaxMisses)
        {
            _misses.Clear();
        }

        _misses[path] = now + MissLifetime;
    }

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Restream {Point}: took {Url} from the source's DVR ({Bytes} bytes)")]
    private partial void LogFetched(string point, string url, int bytes);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "Restream {Point}: could not take {Url} from the source: {Reason}")]
    private partial void LogFailed(string point, string url, string reason);
}
