using Cluster.Gateway.Playback;
using Cluster.Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Cluster.Gateway.Ingest;

/// <summary>Sends each push to the handler for its protocol.</summary>
internal sealed class IngestDispatcher(SmoothIngestHandler smooth)
{
    public async Task HandleAsync(HttpContext context, MediaUrl url)
    {
        switch (url.Kind)
        {
            case MediaUrlKind.Ingest:
                await smooth.HandleAsync(context, url);
                break;
            default:
                await PlaybackHandler.PlainText(context, StatusCodes.Status405MethodNotAllowed, "Push to {path}.isml/Streams({id}).");
                break;
        }
    }
}
