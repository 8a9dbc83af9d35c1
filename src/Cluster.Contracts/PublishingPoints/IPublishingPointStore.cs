namespace Cluster.Contracts.PublishingPoints;

/// <summary>
/// Where points' settings are persisted, so a restarted node (or the silo a point moves to) has the points the admin
/// API created or changed. Settings from the configuration file are the starting values; stored ones win.
/// </summary>
public interface IPublishingPointStore
{
    /// <summary>The stored settings of <paramref name="path"/>, or null when none are stored.</summary>
    Task<PublishingPointSettings?> LoadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Stores (inserts or replaces) the settings of <paramref name="path"/>.</summary>
    Task SaveAsync(string path, PublishingPointSettings settings, CancellationToken cancellationToken = default);

    /// <summary>Removes the stored settings of <paramref name="path"/>; true when there were some.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Every stored point with its settings, ordered by path.</summary>
    Task<IReadOnlyList<KeyValuePair<string, PublishingPointSettings>>> ListAsync(CancellationToken cancellationToken = default);
}
