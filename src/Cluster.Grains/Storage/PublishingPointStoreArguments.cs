using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Storage;

/// <summary>The argument checks every <see cref="IPublishingPointStore"/> makes, so all of them accept and refuse the same calls.</summary>
internal static class PublishingPointStoreArguments
{
    /// <exception cref="ArgumentException"><paramref name="path"/> is not a valid point path (<see cref="PublishingPointPath.Validate"/>).</exception>
    public static void CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (PublishingPointPath.Validate(path) is { } reason)
        {
            throw new ArgumentException(reason, nameof(path));
        }
    }

    /// <exception cref="ArgumentException">The path is invalid, or <paramref name="settings"/> fail <see cref="PublishingPointSettings.Validate"/> (they could not be read back).</exception>
    public static void CheckSave(string path, PublishingPointSettings settings)
    {
        CheckPath(path);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } reason)
        {
            throw new ArgumentException(reason, nameof(settings));
        }
    }
}
