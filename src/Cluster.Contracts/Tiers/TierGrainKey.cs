namespace Cluster.Contracts.Tiers;

/// <summary>
/// Keys of the grains that replicate a point between tiers: <c>{point} {url}</c>, the point's path and the other end's
/// URL (a push output's downstream, a pull input's primary upstream). A space appears in neither a point path nor a URL,
/// and the point comes first so the grain is placed on its point's silo (<c>PointPlacement</c>).
/// </summary>
public static class TierGrainKey
{
    /// <summary>The key of the grain replicating <paramref name="pointPath"/> to or from <paramref name="url"/>.</summary>
    public static string Of(string pointPath, string url) => $"{pointPath} {url}";

    /// <summary>Splits a key made by <see cref="Of"/>.</summary>
    /// <exception cref="FormatException">The key has no space.</exception>
    public static (string PointPath, string Url) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var space = key.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? (key[..space], key[(space + 1)..]) : throw new FormatException($"'{key}' is not a tier grain key ({{point}} {{url}}).");
    }
}
