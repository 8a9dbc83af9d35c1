using Cluster.Contracts.PublishingPoints;

namespace Cluster.Contracts.Restream;

/// <summary>
/// Stream name patterns of <c>Only</c> and <c>Except</c>: a point path in which <c>*</c> matches any run of characters
/// (slashes too, so <c>mylive/*</c> takes <c>mylive/a</c> and <c>mylive/b/c</c>); compared ignoring case, as paths are.
/// </summary>
public static class StreamPattern
{
    /// <summary>Null when <paramref name="pattern"/> is usable; otherwise why not.</summary>
    public static string? Validate(string? pattern) =>
        string.IsNullOrEmpty(pattern) ? "a pattern must not be empty."
        : pattern.Length > PublishingPointPath.MaxLength ? $"a pattern has at most {PublishingPointPath.MaxLength} characters."
        : pattern.Replace("*", "", StringComparison.Ordinal) is { Length: 0 } ? null
        : PublishingPointPath.Validate(pattern.Replace("*", "x", StringComparison.Ordinal)) is { } reason ? $"not a point path with '*' wildcards: {reason}"
        : null;

    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/> as a whole.</summary>
    public static bool Matches(string pattern, string name) => Matches(pattern.AsSpan(), name.AsSpan());

    /// <summary>Whether any of <paramref name="patterns"/> matches <paramref name="name"/>.</summary>
    public static bool Any(IEnumerable<string> patterns, string name) => patterns.Any(p => Matches(p, name));

    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        // Greedy matching with one backtrack point (the last '*'), linear in practice and never exponential.
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(name[n]))
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
