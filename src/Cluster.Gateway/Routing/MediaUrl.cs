using System.Globalization;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Gateway.Routing;

/// <summary>What a request under <c>/{point}.isml/...</c> asks for.</summary>
internal enum MediaUrlKind
{
    Ingest,
    Manifest,
    Fragment,
}

/// <summary>
/// A parsed publishing point URL, in IIS / Azure Media Services form:
/// <c>/{path}.isml/[Events({event})/]Streams({id})</c>, <c>/{path}.isml/Manifest</c>,
/// <c>/{path}.isml/QualityLevels({bitrate})/Fragments({track}={time})</c>.
/// </summary>
internal sealed record MediaUrl(MediaUrlKind Kind, string PointPath)
{
    private const string Extension = ".isml";

    public string StreamId { get; init; } = "";

    public string? EventId { get; init; }

    public ManifestFormat Format { get; init; }

    public int Bitrate { get; init; }

    public string TrackName { get; init; } = "";

    public long Time { get; init; }

    /// <summary>Parses <paramref name="path"/> (the URL path, decoded). Returns false for paths that are not publishing point URLs at all; <paramref name="error"/> is set for ones that are, but malformed.</summary>
    public static bool TryParse(string path, out MediaUrl? url, out string? error)
    {
        url = null;
        error = null;
        var marker = path.IndexOf(Extension + "/", StringComparison.OrdinalIgnoreCase);
        if (marker < 0)
        {
            return false;
        }

        var pointPath = path[..marker].TrimStart('/');
        if (PublishingPointPath.Validate(pointPath) is { } reason)
        {
            error = reason;
            return true;
        }

        var rest = path[(marker + Extension.Length + 1)..].TrimEnd('/');
        var segments = rest.Split('/');
        if (segments is [var only] && only.Equals("Manifest", StringComparison.OrdinalIgnoreCase))
        {
            url = new MediaUrl(MediaUrlKind.Manifest, pointPath) { Format = ManifestFormat.Smooth };
            return true;
        }

        if (segments is [var manifest] && Argument(manifest, "manifest") is { } options)
        {
            if (!options.StartsWith("format=", StringComparison.OrdinalIgnoreCase))
            {
                error = $"Unknown manifest option '{options}'.";
                return true;
            }

            error = $"Manifest format '{options["format=".Length..]}' is not served yet; use /Manifest for Smooth Streaming.";
            return true;
        }

        if (segments is [var streams] && Argument(streams, "Streams") is { } streamId)
        {
            url = new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = streamId };
            return true;
        }

        if (segments is [var events, var streams2] && Argument(events, "Events") is { } eventId && Argument(streams2, "Streams") is { } streamId2)
        {
            url = new MediaUrl(MediaUrlKind.Ingest, pointPath) { StreamId = streamId2, EventId = eventId };
            return true;
        }

        if (segments is [var levels, var fragments] && Argument(levels, "QualityLevels") is { } bitrateText && Argument(fragments, "Fragments") is { } fragment)
        {
            var equals = fragment.IndexOf('=', StringComparison.Ordinal);
            if (!int.TryParse(bitrateText, NumberStyles.None, CultureInfo.InvariantCulture, out var bitrate)
                || equals <= 0
                || !long.TryParse(fragment.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var time))
            {
                error = "A fragment URL reads QualityLevels({bitrate})/Fragments({track}={time}) with whole numbers.";
                return true;
            }

            url = new MediaUrl(MediaUrlKind.Fragment, pointPath) { Bitrate = bitrate, TrackName = fragment[..equals], Time = time };
            return true;
        }

        error = $"'{rest}' is not a publishing point resource (Manifest, QualityLevels(..)/Fragments(..), Streams(..)).";
        return true;
    }

    /// <summary>The text inside <c>Name(...)</c>, or null when <paramref name="segment"/> is not of that form.</summary>
    private static string? Argument(string segment, string name) =>
        segment.Length > name.Length + 2
        && segment.StartsWith(name, StringComparison.OrdinalIgnoreCase)
        && segment[name.Length] == '('
        && segment[^1] == ')'
            ? segment[(name.Length + 1)..^1]
            : null;
}
