namespace Cluster.Contracts.PublishingPoints;

/// <summary>Rules for publishing point paths such as <c>live/event1</c>: they become grain keys, URLs and, later, folder names.</summary>
public static class PublishingPointPath
{
    /// <summary>Longest accepted path.</summary>
    public const int MaxLength = 200;

    /// <summary>Returns why <paramref name="path"/> is not a valid point path, or null when it is.</summary>
    public static string? Validate(string path)
    {
        if (path.Length is 0 or > MaxLength)
        {
            return $"A publishing point path has 1 to {MaxLength} characters.";
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return $"'{path}' has an empty, '.' or '..' segment.";
            }

            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    return $"'{path}' may hold only letters, digits, '-', '_', '.' and '/'.";
                }
            }
        }

        return null;
    }

    /// <summary>The grain key of a point's track, e.g. <c>live/event1/video_400000</c>.</summary>
    public static string TrackKey(string pointPath, string trackName, int bitrate) => $"{pointPath}/{trackName}_{bitrate}";
}
