namespace Cluster.Gateway.Security;

/// <summary>Point path prefixes that match whole segments: <c>live</c> and <c>live/</c> cover <c>live/a</c>, not <c>lively</c>; empty covers every path.</summary>
/// <remarks>
/// What a rule protects matches regardless of case (protecting <c>secure</c> also protects <c>Secure/x</c>); what a
/// token grants matches exactly (<see cref="StringComparison.Ordinal"/>), since point paths are case-sensitive keys.
/// </remarks>
internal static class PathPrefix
{
    public static bool Covers(string prefix, string pointPath, StringComparison comparison = StringComparison.OrdinalIgnoreCase)
    {
        var trimmed = prefix.Trim('/');
        return trimmed.Length == 0
            || (pointPath.StartsWith(trimmed, comparison)
                && (pointPath.Length == trimmed.Length || pointPath[trimmed.Length] == '/'));
    }

    /// <summary>The longest prefix covering <paramref name="pointPath"/>, or null.</summary>
    public static T? Longest<T>(IEnumerable<T> items, Func<T, string> prefixOf, string pointPath)
        where T : class =>
        items.Where(item => Covers(prefixOf(item), pointPath)).MaxBy(item => prefixOf(item).Trim('/').Length);
}
