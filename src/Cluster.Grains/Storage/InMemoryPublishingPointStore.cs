using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Storage;

/// <summary>
/// Points' settings in this process only (<c>Cluster:PublishingPoints:Store=InMemory</c>, and tests). Settings are kept
/// as the JSON the persistent stores write, so a caller changing an array it saved changes nothing stored, and what
/// cannot round-trip fails here as it would there.
/// </summary>
internal sealed class InMemoryPublishingPointStore : IPublishingPointStore
{
    private readonly SortedDictionary<string, byte[]> _points = new(StringComparer.Ordinal);

    public Task<PublishingPointSettings?> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? json;
        lock (_points)
        {
            _points.TryGetValue(path, out json);
        }

        return Task.FromResult(json is null ? null : Read(json));
    }

    public Task SaveAsync(string path, PublishingPointSettings settings, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckSave(path, settings);
        cancellationToken.ThrowIfCancellationRequested();
        var json = PublishingPointSettingsJson.SerializeToUtf8Bytes(settings);
        lock (_points)
        {
            _points[path] = json;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_points)
        {
            return Task.FromResult(_points.Remove(path));
        }
    }

    public Task<IReadOnlyList<KeyValuePair<string, PublishingPointSettings>>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<KeyValuePair<string, byte[]>> snapshot;
        lock (_points)
        {
            snapshot = [.. _points];
        }

        IReadOnlyList<KeyValuePair<string, PublishingPointSettings>> points = [.. snapshot.Select(p => KeyValuePair.Create(p.Key, Read(p.Value)))];
        return Task.FromResult(points);
    }

    private static PublishingPointSettings Read(byte[] json) =>
        PublishingPointSettingsJson.TryDeserialize(json, out var settings, out var problem)
            ? settings
            : throw new InvalidOperationException($"Settings saved in memory did not read back: {problem}");
}
