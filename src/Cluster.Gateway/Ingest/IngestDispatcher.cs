using System.Buffers;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Cluster.Media.Boxes;
using Cluster.Media.CmafIngest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Hosting;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// Sends each push to the handler for its protocol, deciding from the URL and the first bytes of the body (peeked,
/// not consumed): Smooth push (MS-SSTR: ftyp with isml/piff, or the live server manifest box after it) or DASH-IF
/// Live Media Ingest interface 1 (CMAF header or segment). Manifests and deletions of a DASH/HLS pusher are
/// acknowledged and ignored: the origin makes its own manifests and its DVR window governs retention.
/// </summary>
internal sealed class IngestDispatcher(SmoothIngestHandler smooth, CmafIngestHandler cmaf, PublishAuthorization publish, IHostApplicationLifetime lifetime)
{
    /// <summary>Enough for an ftyp with many brands plus the next box's header with a uuid.</summary>
    private const int MaxSniff = 512;

    public async Task HandleAsync(HttpContext context, MediaUrl url)
    {
        if (url.Kind is not (MediaUrlKind.Ingest or MediaUrlKind.IngestFile))
        {
            await IngestHttp.Respond(context, StatusCodes.Status405MethodNotAllowed, "Push to {path}.isml/Streams({id}) or {path}.isml/{file}.");
            return;
        }

        if (!await publish.AuthorizeAsync(context, url.PointPath))
        {
            return;
        }

        // Before anything reads the body (the sniff below does), when the limit can still be lifted: a live push lasts
        // as long as the event, far past Kestrel's 30 MB default. Each handler bounds what it buffers by its own limits.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        // Kestrel's minimum body rate (240 B/s) with a longer grace than its 5 s: an encoder's first fragment comes a
        // GOP and its encoder's start-up after the header, which with 4 s GOPs on a loaded machine took longer, and the
        // push was cut. A stalled sender is still dropped once its average rate stays under 240 B/s after 30 s.
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minimumRate)
        {
            minimumRate.MinDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(30));
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            // ffmpeg's DASH muxer deletes segments leaving its window; our own DVR window decides what we keep.
            await IngestHttp.Respond(context, StatusCodes.Status200OK, null);
            return;
        }

        if (url.Kind == MediaUrlKind.IngestFile
            && (url.StreamId.EndsWith(".mpd", StringComparison.OrdinalIgnoreCase) || url.StreamId.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase)))
        {
            // Not RequestAborted here nor below: ffmpeg closes its socket right after the last chunk without waiting for
            // the answer, which aborts the request while its body is still buffered and must be read.
            await IngestHttp.DrainAsync(context.Request.BodyReader, lifetime.ApplicationStopping);
            await IngestHttp.Respond(context, StatusCodes.Status200OK, null);
            return;
        }

        if (context.Request.ContentLength == 0)
        {
            // The Smooth encoder's probe: would a push be admitted?
            await smooth.HandleAsync(context, url);
            return;
        }

        switch (await SniffAsync(context.Request, lifetime.ApplicationStopping))
        {
            case BodyKind.Smooth when url.Kind == MediaUrlKind.Ingest:
                await smooth.HandleAsync(context, url);
                break;
            case BodyKind.Smooth:
                await IngestHttp.Respond(context, StatusCodes.Status415UnsupportedMediaType, "A Smooth push goes to {path}.isml/Streams({id}).");
                break;
            case BodyKind.CmafHeader:
                await cmaf.HandleAsync(context, url, isHeader: true);
                break;
            case BodyKind.CmafSegment:
                await cmaf.HandleAsync(context, url, isHeader: false);
                break;
            case BodyKind.Empty:
                await IngestHttp.Respond(context, StatusCodes.Status400BadRequest, "The body is empty.");
                break;
            default:
                await IngestHttp.Respond(
                    context,
                    StatusCodes.Status415UnsupportedMediaType,
                    "The body is not ISO-BMFF media this origin ingests: expected a Smooth push (ftyp isml), a CMAF header (ftyp, moov) or a CMAF segment (styp, moof).");
                break;
        }
    }

    /// <summary>Looks at the first boxes without consuming them, so the chosen handler reads the body from its start.</summary>
    private static async Task<BodyKind> SniffAsync(HttpRequest request, CancellationToken ct)
    {
        var reader = request.BodyReader;
        var need = BoxReader.MaxHeaderSize;
        while (true)
        {
            var result = await reader.ReadAtLeastAsync(need, ct);
            var buffer = result.Buffer;
            try
            {
                var kind = Sniff(buffer, out var ftypSize);
                if (kind != BodyKind.CmafHeader || ftypSize == 0)
                {
                    return kind;
                }

                if (buffer.Length >= ftypSize + BoxReader.MaxHeaderSize || result.IsCompleted)
                {
                    return AfterFtyp(buffer, ftypSize);
                }

                // Read on to see the whole ftyp and the box after it: the Smooth live server manifest box tells a
                // Smooth push apart when the brands do not.
                need = ftypSize + BoxReader.MaxHeaderSize;
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.Start);
            }
        }
    }

    /// <summary>Classifies by the first box; for an ftyp also reports its size so the next box can be looked at.</summary>
    private static BodyKind Sniff(in ReadOnlySequence<byte> buffer, out int ftypSize)
    {
        ftypSize = 0;
        if (buffer.IsEmpty)
        {
            return BodyKind.Empty;
        }

        BoxHeader header;
        try
        {
            if (!BoxReader.TryReadHeader(buffer, 0, long.MaxValue, allowToEnd: false, out header))
            {
                return BodyKind.Unknown;
            }
        }
        catch (Media.MediaFormatException)
        {
            return BodyKind.Unknown;
        }

        switch (header.Type)
        {
            case FourCC.Ftyp:
                if (header.Size > MaxSniff)
                {
                    return BodyKind.CmafHeader;
                }

                var size = (int)header.Size;
                if (buffer.Length < size)
                {
                    // Not all there yet: the caller reads on and asks again.
                    ftypSize = size;
                    return BodyKind.CmafHeader;
                }

                if (IsSmoothFtyp(buffer.Slice(0, size)))
                {
                    return BodyKind.Smooth;
                }

                ftypSize = size;
                return BodyKind.CmafHeader;
            case FourCC.Moov:
                return BodyKind.CmafHeader;
            case FourCC.Styp or FourCC.Moof or FourCC.Prft or FourCC.Sidx or FourCC.Emsg:
                return BodyKind.CmafSegment;
            default:
                return BodyKind.Unknown;
        }
    }

    private static BodyKind AfterFtyp(in ReadOnlySequence<byte> buffer, int ftypSize)
    {
        if (buffer.Length >= ftypSize && IsSmoothFtyp(buffer.Slice(0, ftypSize)))
        {
            return BodyKind.Smooth;
        }

        if (buffer.Length < ftypSize + 8)
        {
            return BodyKind.CmafHeader;
        }

        try
        {
            return BoxReader.TryReadHeader(buffer.Slice(ftypSize), ftypSize, long.MaxValue, allowToEnd: true, out var next)
                && next.Type == FourCC.Uuid && next.ExtendedType == SmoothUuids.LiveServerManifest
                    ? BodyKind.Smooth
                    : BodyKind.CmafHeader;
        }
        catch (Media.MediaFormatException)
        {
            // The header reader will say what is wrong with it.
            return BodyKind.CmafHeader;
        }
    }

    private static bool IsSmoothFtyp(in ReadOnlySequence<byte> ftyp)
    {
        try
        {
            var box = FileTypeBox.Read(ftyp.ToArray(), 0);
            return CmafBrands.Has(box, CmafBrands.Isml) || CmafBrands.Has(box, CmafBrands.Piff);
        }
        catch (Media.MediaFormatException)
        {
            return false;
        }
    }

    private enum BodyKind
    {
        Unknown,
        Empty,
        Smooth,
        CmafHeader,
        CmafSegment,
    }
}
