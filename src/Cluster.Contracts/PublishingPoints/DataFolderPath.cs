namespace Cluster.Contracts.PublishingPoints;

/// <summary>
/// Rules for folders a setting names under the node's data folder (an archive folder): the same characters as a point
/// path, relative, no '.' or '..' segment. Anything else (absolute paths, backslashes, drive letters, percent-encoded or
/// Unicode look-alike dots, control characters) is refused rather than normalised, so no spelling can leave the folder.
/// </summary>
public static class DataFolderPath
{
    /// <summary>Returns why <paramref name="folder"/> may not name a folder inside the data folder, or null when it may.</summary>
    public static string? Validate(string folder) =>
        folder.StartsWith('/') || folder.StartsWith('\\') || Path.IsPathRooted(folder)
            ? $"'{Shorten(folder)}' is absolute; give a folder relative to the node's data folder (Cluster:DataPath)."
            : PublishingPointPath.Validate(folder) is { } reason
                ? $"'{Shorten(folder)}' is not a folder inside the node's data folder ({reason})"
                : null;

    /// <summary>
    /// The absolute folder <paramref name="folder"/> names under <paramref name="dataFolder"/>; throws when it is not
    /// valid or would not resolve inside it (the second check guards against a rule above being loosened).
    /// </summary>
    /// <exception cref="ArgumentException">The folder is not valid or resolves outside the data folder.</exception>
    public static string Resolve(string dataFolder, string folder)
    {
        if (Validate(folder) is { } reason)
        {
            throw new ArgumentException(reason, nameof(folder));
        }

        var root = Path.GetFullPath(dataFolder);
        var full = Path.GetFullPath(Path.Combine(root, folder));
        var inside = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(inside, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"'{folder}' resolves outside the data folder {root}.", nameof(folder));
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
