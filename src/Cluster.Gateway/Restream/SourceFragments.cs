using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Playback;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Gateway.Restream;

/// <summary>
/// Transparent access to a source's DVR: a fragment a restreamed point no longer holds (older than the oldest it has:
/// outside its own window) is fetched from the source at the same URL (both nodes answer the same bytes there), trying the point's
/// pull URLs in their order. Only responses the source marks immutable are taken; the playback handler keeps them in its
/// response cache, so each is fetched once. A source that does not have it either leaves the answer a 404.
/// </summary>
internal sealed partial class SourceFragments(IHttpClientFactory clients, ILogger<SourceFragments> logger)
{
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

        var http = clients.CreateClient(Client);
        foreach (var url in pull.Urls)
        {
            var source = new Uri(new Uri(url), path.ToUriComponent());
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

        return null;
    }

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Restream {Point}: took {Url} from the source's DVR ({Bytes} bytes)")]
    private partial void LogFetched(string point, string url, int bytes);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "Restream {Point}: could not take {Url} from the source: {Reason}")]
    private partial void LogFailed(string point, string url, string reason);
}
