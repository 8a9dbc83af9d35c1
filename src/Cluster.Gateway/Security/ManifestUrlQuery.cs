using System.Text;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Gateway.Security;

/// <summary>
/// Adds a query parameter to every URL a manifest lists: players do not carry a manifest's query to the URLs in it, so a
/// protected stream's token has to be written into each (Smooth's <c>Url</c> templates, DASH's <c>media</c> and
/// <c>initialization</c> templates, HLS's URI lines and <c>URI</c> attributes). Relative URLs stay relative.
/// </summary>
internal static class ManifestUrlQuery
{
    /// <summary>The manifest with <paramref name="parameter"/> (<c>name=value</c>, already URL- and XML-safe) in every URL.</summary>
    public static byte[] Add(ReadOnlySpan<byte> manifest, ManifestFormat format, string parameter)
    {
        var text = Encoding.UTF8.GetString(manifest);
        var result = format switch
        {
            ManifestFormat.Smooth => InAttributes(text, [" Url=\""], parameter, "&amp;"),
            ManifestFormat.Dash => InAttributes(text, [" media=\"", " initialization=\""], parameter, "&amp;"),
            _ => InPlaylist(text, parameter),
        };
        return Encoding.UTF8.GetBytes(result);
    }

    private static string InPlaylist(string playlist, string parameter)
    {
        var output = new StringBuilder(playlist.Length + 256);
        foreach (var line in playlist.Split('\n'))
        {
            if (output.Length > 0)
            {
                output.Append('\n');
            }

            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length > 0 && trimmed[0] != '#')
            {
                output.Append(trimmed).Append(trimmed.Contains('?', StringComparison.Ordinal) ? '&' : '?').Append(parameter);
            }
            else
            {
                output.Append(InAttributes(trimmed, ["URI=\""], parameter, "&"));
            }
        }

        return output.ToString();
    }

    /// <summary>Inserts the parameter before the closing quote of each attribute that starts with one of <paramref name="openings"/>.</summary>
    private static string InAttributes(string text, string[] openings, string parameter, string separator)
    {
        var output = new StringBuilder(text.Length + 256);
        var position = 0;
        while (NextValue(text, openings, position) is var (start, end) && start >= 0)
        {
            var value = text.AsSpan(start, end - start);
            output.Append(text, position, end - position)
                .Append(value.Contains('?') ? separator : "?")
                .Append(parameter);
            position = end;
        }

        return output.Append(text, position, text.Length - position).ToString();
    }

    private static (int Start, int End) NextValue(string text, string[] openings, int from)
    {
        var best = (Start: -1, End: -1);
        foreach (var opening in openings)
        {
            var at = text.IndexOf(opening, from, StringComparison.Ordinal);
            if (at < 0 || (best.Start >= 0 && at + opening.Length >= best.Start))
            {
                continue;
            }

            var start = at + opening.Length;
            var end = text.IndexOf('"', start);
            if (end >= 0)
            {
                best = (start, end);
            }
        }

        return best;
    }
}
