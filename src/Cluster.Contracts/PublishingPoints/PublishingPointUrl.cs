namespace Cluster.Contracts.PublishingPoints;

/// <summary>Rules for the URL of a publishing point on another server: <c>http(s)://host[:port]/{path}.isml</c>.</summary>
public static class PublishingPointUrl
{
    /// <summary>Stands for the point's own path in a URL, so one setting (the defaults) serves every point.</summary>
    public const string PathPlaceholder = "{path}";

    /// <summary><paramref name="url"/> with <see cref="PathPlaceholder"/> replaced by <paramref name="pointPath"/>.</summary>
    public static string For(string url, string pointPath) => url.Replace(PathPlaceholder, pointPath, StringComparison.Ordinal);

    /// <summary>Returns why <paramref name="url"/> is not a publishing point URL (<see cref="PathPlaceholder"/> allowed), or null when it is.</summary>
    public static string? Validate(string? url)
    {
        if (!Uri.TryCreate(url?.Replace(PathPlaceholder, "p", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"'{url}' is not an absolute http(s) URL.";
        }

        if (!uri.AbsolutePath.EndsWith(".isml", StringComparison.OrdinalIgnoreCase) || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"'{url}' must name a publishing point: http(s)://host[:port]/{{path}}.isml, without a query.";
        }

        return null;
    }

    /// <summary>The URL of one stream (<c>Streams(name)</c>) of the point at <paramref name="pointUrl"/>, with an optional event id.</summary>
    public static Uri Stream(string pointUrl, string streamName, string? eventId = null) =>
        new(pointUrl.TrimEnd('/') + (eventId is null ? "" : $"/Events({Uri.EscapeDataString(eventId)})") + $"/Streams({Uri.EscapeDataString(streamName)})");
}
