using Azure;
using Azure.Data.Tables;
using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Storage;

/// <summary>
/// Points' settings in Azure Table storage, in the account the cluster's membership uses (table
/// <see cref="TableName"/>, created on first use): partition = cluster id, row = the point's path, so every silo of a
/// cluster sees the same points and clusters sharing an account never see each other's. A row whose settings no
/// longer read back is logged and treated as absent.
/// </summary>
internal sealed partial class AzureTablePublishingPointStore : IPublishingPointStore
{
    /// <summary>The table holding every cluster's points.</summary>
    public const string TableName = "ClusterPublishingPoints";

    /// <summary>Azure's limit for one string property is 64 KiB of UTF-16: 32,768 characters.</summary>
    private const int MaxSettingsLength = 32 * 1024;

    private const string SettingsProperty = "Settings";

    private const string RowKeyProperty = "RowKey";

    private readonly TableClient _table;
    private readonly string _clusterId;
    private readonly ILogger<AzureTablePublishingPointStore> _logger;
    private volatile bool _created;

    public AzureTablePublishingPointStore(TableServiceClient service, string clusterId, ILogger<AzureTablePublishingPointStore> logger)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentNullException.ThrowIfNull(logger);
        _table = service.GetTableClient(TableName);
        _clusterId = clusterId;
        _logger = logger;
    }

    public async Task<PublishingPointSettings?> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        await TableAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(_clusterId, RowKey(path), [SettingsProperty], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } entity ? Read(path, entity) : null;
    }

    public async Task SaveAsync(string path, PublishingPointSettings settings, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckSave(path, settings);
        var json = PublishingPointSettingsJson.Serialize(settings);
        if (json.Length > MaxSettingsLength)
        {
            throw new ArgumentException($"The settings take {json.Length} characters as JSON; Azure Table storage holds at most {MaxSettingsLength} in one property.", nameof(settings));
        }

        await TableAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(_clusterId, RowKey(path)) { [SettingsProperty] = json };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        await TableAsync(cancellationToken).ConfigureAwait(false);
        // The client answers a missing row with its 404 response rather than an exception.
        var response = await _table.DeleteEntityAsync(_clusterId, RowKey(path), ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    public async Task<IReadOnlyList<KeyValuePair<string, PublishingPointSettings>>> ListAsync(CancellationToken cancellationToken = default)
    {
        await TableAsync(cancellationToken).ConfigureAwait(false);
        var points = new List<KeyValuePair<string, PublishingPointSettings>>();
        var rows = _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {_clusterId}"), select: [RowKeyProperty, SettingsProperty], cancellationToken: cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            var path = Path(row.RowKey);
            if (Read(path, row) is { } settings)
            {
                points.Add(KeyValuePair.Create(path, settings));
            }
        }

        // Row keys sort by their escaped form; the other stores list paths in ordinal order.
        points.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return points;
    }

    /// <summary>The row key of <paramref name="path"/>: a valid point path holds only letters, digits, <c>-_.</c> and <c>/</c>, and row keys refuse <c>/</c>.</summary>
    internal static string RowKey(string path) => path.Replace("/", "%2F", StringComparison.Ordinal);

    /// <summary>The path a <see cref="RowKey"/> was made from.</summary>
    internal static string Path(string rowKey) => rowKey.Replace("%2F", "/", StringComparison.Ordinal);

    /// <summary>Creates the table on first use; a failure (the account unreachable) is tried again by the next call.</summary>
    private async Task TableAsync(CancellationToken cancellationToken)
    {
        if (!_created)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            _created = true;
        }
    }

    private PublishingPointSettings? Read(string path, TableEntity row)
    {
        var json = row.GetString(SettingsProperty);
        if (json is null)
        {
            LogRowCorrupt(path, _clusterId, "no settings");
            return null;
        }

        if (PublishingPointSettingsJson.TryDeserialize(json, out var settings, out var problem))
        {
            return settings;
        }

        LogRowCorrupt(path, _clusterId, problem);
        return null;
    }

    [LoggerMessage(EventId = 1806, Level = LogLevel.Warning, Message = "Publishing point {Point}: its stored settings (Azure table, cluster {ClusterId}) do not read back and are ignored ({Problem})")]
    private partial void LogRowCorrupt(string point, string clusterId, string problem);
}
