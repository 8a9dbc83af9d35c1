using System.Globalization;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Gateway.Routing;

/// <summary>What a request under <c>/{point}.isml/...</c> asks for.</summary>
internal enum MediaUrlKind
{
    /// <summary><c>Streams(id)</c>: a Smooth push, or a CMAF ingest segment (DASH-IF interface 1) for track <c>id</c>.</summary>
    Ingest,

    /// <summary>Any other file name pushed by a CMAF sender (ffmpeg's DASH muxer: init-stream0.m4s, chunk-stream0-00001.m4s, manifest.mpd).</summary>
    IngestFile,

    /// <summary>The presentation manifest in <see cref="MediaUrl.Format"/>.</summary>
    Manifest,

    /// <summary>An HLS media playlist of one track.</summary>
    MediaPlaylist,

    /// <summary>A CMAF header (init segment) of one track.</summary>
    Init,

    /// <summary>A media fragment of one track, packaged as <see cref="MediaUrl.Format"/> (Smooth or CMAF).</summary>
    Fragment,
}

/// <summary>
/// A parsed publishing point URL, in IIS / Azure Media Services form:
/// <c>/{path}.isml/[Events({event})/]Streams({id})</c>, mod_smooth_streaming's <c>/{path}.isml/{name}.ism?stream_id={id}</c>,
/// <c>/{path}.isml/Manifest</c>,
/// <c>/{path}.isml/manifest(format=m3u8-cmaf|m3u8-aapl|mpd-time-cmaf|mpd-time-csf)[.m3u8|.mpd]</c>,
/// <c>/{path}.isml/QualityLevels({bitrate})/Manifest({track},format=m3u8-cmaf)</c>,
/// <c>/{path}.isml/QualityLevels({bitrate})/Fragments({track}={time}[,format=...])</c> and
/// <c>/{path}.isml/QualityLevels({bitrate})/Fragments({track}=i,format=...)</c> for the CMAF header.
/// </summary>
internal sealed record MediaUrl(MediaUrlKind Kind, string PointPath)
{
    private const string Extension = ".isml";
    private const string ServerManifest = ".ism";

    /// <summary>The <c>Streams(id)</c> argument, or the pushed file name for <see cref="MediaUrlKind.IngestFile"/>.</summary>
    public string StreamId { get; init; } = "";

    public string? EventId { get; init; }

    /// <summary>Manifest format; for fragments, Smooth or (for both HLS and DASH) CMAF packaging.</summary>
    public ManifestFormat Format { get; init; }

    public int Bitrate { get; init; }

    public string TrackName { get; init; } = "";

    public long Time { get; init; }

    /// <summary>
    /// Parses <paramref name="path"/> (the URL path, decoded). Returns false for paths that are not publishing point URLs
    /// at all; <paramref name="error"/> is set for ones that are, but malformed. <paramref name="streamIdParameter"/> is
    /// the request's <c>stream_id</c> query parameter, the stream id of a push to <c>{name}.ism</c>.
    /// </summary>
    public static bool TryParse(string path, out MediaUrl? url, out string? error, string? streamIdParameter = null)
    {
        url = null;
        error = null;
        var extension = Extension;
        var marker = path.IndexOf(Extension + "/", StringComparison.OrdinalIgnoreCase);
        if (marker < 0)
        {
            // IIS's on-demand form, {name}.ism/Manifest: the same point (an archived session, say), for playback only.
            extension = ServerManifest;
            marker = path.IndexOf(ServerManifest + "/", StringComparison.OrdinalIgnoreCase);
            if (marker < 0)
            {
                return false;
            }
        }

        var pointPath = path[..marker].TrimStart('/');
        if (PublishingPointPath.Validate(pointPath) is { } reason)
        {
            error = reason;
            return true;
        }

        var rest = path[(marker + extension.Length + 1)..].TrimEnd('/');
        (url, error) = rest.Split('/') switch
        {
            [var only] when only.Equals("Manifest", StringComparison.OrdinalIgnoreCase) =>
                (new MediaUrl(MediaUrlKind.Manifest, pointPath) { Format = ManifestFormat.Smooth }, null),
            [var manifest] when Argument(WithoutManifestExtension(manifest, out var suffix), "Manifest") is { } options =>
                ParseManifest(pointPath, options, suffix),
            [var streams] when Argument(streams, "Streams") is { } streamId =>
                (new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = streamId }, null),
            [var events, var streams] when Argument(events, "Events") is { } eventId && Argument(streams, "Streams") is { } streamId =>
                (new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = streamId, EventId = eventId }, null),
            [var levels, var resource] when Argument(levels, "QualityLevels") is { } bitrate => ParseTrackResource(pointPath, bitrate, resource),
            [var server] when server.Length > ServerManifest.Length && server.EndsWith(ServerManifest, StringComparison.OrdinalIgnoreCase) =>
                ParseServerManifestPush(pointPath, server, streamIdParameter),
            [var file] when IsFileName(file) => (new MediaUrl(MediaUrlKind.IngestFile, pointPath) { StreamId = file }, null),
            _ => (null, $"'{rest}' is not a publishing point resource (Manifest, manifest(format=..), QualityLevels(..)/Fragments(..), Streams(..))."),
        };
        if (extension == ServerManifest && url is { Kind: not (MediaUrlKind.Manifest or MediaUrlKind.MediaPlaylist or MediaUrlKind.Init or MediaUrlKind.Fragment) })
        {
            (url, error) = (null, "A {name}.ism URL is on-demand playback; encoders push to {path}.isml/Streams({id}) or {path}.isml/{name}.ism.");
        }

        return true;
    }

    /// <summary>
    /// <c>format=m3u8-cmaf</c> and friends, as Azure Media Services names them, with the file extension IIS and AMS
    /// players append (<c>.m3u8</c> or <c>.mpd</c>), which must agree with the format.
    /// </summary>
    private static (MediaUrl?, string?) ParseManifest(string pointPath, string options, string? extension) =>
        ParseFormat(options) switch
        {
            null => (null, $"Unknown manifest option '{options}'; use format=m3u8-cmaf, m3u8-aapl, m3u8-aapl-v3, mpd-time-cmaf or mpd-time-csf."),
            var format when extension is not null && extension != ExtensionOf(format.Value) =>
                (null, $"manifest({options}) is a {ExtensionOf(format.Value)} manifest; its URL ends in .{ExtensionOf(format.Value)} or in nothing, not .{extension}."),
            var format => (new MediaUrl(MediaUrlKind.Manifest, pointPath) { Format = format.Value }, null),
        };

    private static string ExtensionOf(ManifestFormat format) => format == ManifestFormat.Dash ? "mpd" : "m3u8";

    /// <summary><paramref name="segment"/> without a trailing <c>.m3u8</c> or <c>.mpd</c> after its closing parenthesis; <paramref name="extension"/> is that extension, lower case.</summary>
    private static string WithoutManifestExtension(string segment, out string? extension)
    {
        extension = null;
        var dot = segment.LastIndexOf('.');
        if (dot > 0 && segment[dot - 1] == ')' && segment[(dot + 1)..].ToLowerInvariant() is "m3u8" or "mpd")
        {
            extension = segment[(dot + 1)..].ToLowerInvariant();
            return segment[..dot];
        }

        return segment;
    }

    /// <summary>
    /// mod_smooth_streaming's push URL, <c>{name}.ism?stream_id={id}</c>: a Smooth push like <c>Streams({id})</c>. The id
    /// names the bitrates of the output's tracks (<c>oceans-400k-64k.ismv</c>); without one, the server manifest's name is the id.
    /// </summary>
    private static (MediaUrl?, string?) ParseServerManifestPush(string pointPath, string server, string? streamIdParameter) =>
        streamIdParameter switch
        {
            null => (new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = server[..^ServerManifest.Length] }, null),
            { Length: > 0 and <= 200 } id when !id.Contains('/', StringComparison.Ordinal) => (new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = id }, null),
            _ => (null, "stream_id names the pushed output (e.g. stream_id=oceans-400k-64k.ismv): 1 to 200 characters, no '/'."),
        };

    private static (MediaUrl?, string?) ParseTrackResource(string pointPath, string bitrateText, string resource)
    {
        const string Usage = "Track URLs read QualityLevels({bitrate})/Fragments({track}={time}[,format=..]) or QualityLevels({bitrate})/Manifest({track},format=m3u8-cmaf), with whole numbers.";
        if (!int.TryParse(bitrateText, NumberStyles.None, CultureInfo.InvariantCulture, out var bitrate))
        {
            return (null, Usage);
        }

        if (Argument(resource, "Manifest") is { } playlist)
        {
            var comma = playlist.IndexOf(',', StringComparison.Ordinal);
            return comma > 0 && ParseFormat(playlist[(comma + 1)..]) is (ManifestFormat.Hls or ManifestFormat.HlsTs) and var hls
                ? (new MediaUrl(MediaUrlKind.MediaPlaylist, pointPath) { Bitrate = bitrate, TrackName = playlist[..comma], Format = hls }, null)
                : (null, Usage);
        }

        // HLS segment URIs end in a file extension (ffmpeg's HLS reader refuses others); it carries no meaning here.
        var dot = resource.LastIndexOf('.');
        if (dot > 0 && resource[dot - 1] == ')' && resource[(dot + 1)..] is "m4s" or "mp4" or "cmfv" or "cmfa" or "ts")
        {
            resource = resource[..dot];
        }

        if (Argument(resource, "Fragments") is not { } fragment)
        {
            return (null, Usage);
        }

        var format = ManifestFormat.Smooth;
        var separator = fragment.IndexOf(',', StringComparison.Ordinal);
        if (separator >= 0)
        {
            if (ParseFormat(fragment[(separator + 1)..]) is not { } packaging)
            {
                return (null, Usage);
            }

            format = packaging;
            fragment = fragment[..separator];
        }

        var equals = fragment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return (null, Usage);
        }

        var track = fragment[..equals];
        var timeText = fragment.AsSpan(equals + 1);
        if (timeText is "i" && format is ManifestFormat.Hls or ManifestFormat.Dash)
        {
            return (new MediaUrl(MediaUrlKind.Init, pointPath) { Bitrate = bitrate, TrackName = track, Format = format }, null);
        }

        return long.TryParse(timeText, NumberStyles.None, CultureInfo.InvariantCulture, out var time)
            ? (new MediaUrl(MediaUrlKind.Fragment, pointPath) { Bitrate = bitrate, TrackName = track, Time = time, Format = format }, null)
            : (null, Usage);
    }

    private static ManifestFormat? ParseFormat(string options) =>
        options.ToLowerInvariant() switch
        {
            "format=m3u8-cmaf" => ManifestFormat.Hls,
            "format=m3u8-aapl" or "format=m3u8-aapl-v3" => ManifestFormat.HlsTs,
            "format=mpd-time-cmaf" or "format=mpd-time-csf" => ManifestFormat.Dash,
            _ => null,
        };

    /// <summary>A plain file name such as <c>chunk-stream0-00001.m4s</c>: CMAF senders name their uploads this way.</summary>
    private static bool IsFileName(string segment) =>
        segment.Length is > 0 and <= 200 && segment.Contains('.', StringComparison.Ordinal) && !segment.Contains('(', StringComparison.Ordinal);

    /// <summary>The text inside <c>Name(...)</c>, or null when <paramref name="segment"/> is not of that form.</summary>
    private static string? Argument(string segment, string name) =>
        segment.Length > name.Length + 2
        && segment.StartsWith(name, StringComparison.OrdinalIgnoreCase)
        && segment[name.Length] == '('
        && segment[^1] == ')'
            ? segment[(name.Length + 1)..^1]
            : null;
}
