using System.Globalization;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The membership table kept in process memory (the single-node default and the reference the PostgreSQL table is
/// tested against): one lock per cluster makes every compare-and-swap atomic.
/// </summary>
internal sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly InMemoryClusterStore _store;
    private readonly InMemoryMembershipState _state;

    public InMemoryMembershipTable(InMemoryClusterStore store, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        _store = store;
        _state = store.GetMembership(clusterId);
    }

    public Task InitializeMembershipTable(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<MembershipTableData> ReadAll(CancellationToken cancellationToken = default)
    {
        lock (_state.Lock)
        {
            return Task.FromResult(Snapshot(_state.Rows.Values));
        }
    }

    public Task<MembershipTableData> ReadRow(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        lock (_state.Lock)
        {
            return Task.FromResult(Snapshot(_state.Rows.TryGetValue(silo, out var row) ? [row] : []));
        }
    }

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = entry.Normalize();
        lock (_state.Lock)
        {
            if (!IsNextVersion(tableVersion) || _state.Rows.ContainsKey(entry.SiloAddress))
            {
                return Task.FromResult(false);
            }

            _state.Rows.Add(entry.SiloAddress, (stored, ++_state.LastETag));
            _state.Version = tableVersion.Version;
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(etag);
        var stored = entry.Normalize();
        lock (_state.Lock)
        {
            if (!IsNextVersion(tableVersion)
                || !_state.Rows.TryGetValue(entry.SiloAddress, out var current)
                || FormatETag(current.ETag) != etag)
            {
                return Task.FromResult(false);
            }

            _state.Rows[entry.SiloAddress] = (stored, ++_state.LastETag);
            _state.Version = tableVersion.Version;
            return Task.FromResult(true);
        }
    }

    public Task UpdateIAmAlive(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_state.Lock)
        {
            if (_state.Rows.TryGetValue(entry.SiloAddress, out var current))
            {
                _state.Rows[entry.SiloAddress] = (current.Entry with { IAmAliveTime = entry.IAmAliveTime }, current.ETag);
            }
        }

        return Task.CompletedTask;
    }

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate, CancellationToken cancellationToken = default)
    {
        lock (_state.Lock)
        {
            var defunct = _state.Rows.Values
                .Where(r => r.Entry.Status != SiloStatus.Active && r.Entry.IAmAliveTime < beforeDate)
                .Select(r => r.Entry.SiloAddress)
                .ToList();
            foreach (var silo in defunct)
            {
                _state.Rows.Remove(silo);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteMembershipTableEntries(string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        var state = _store.GetMembership(clusterId);
        lock (state.Lock)
        {
            state.Rows.Clear();
            state.Version = TableVersion.Initial.Version;
        }

        return Task.CompletedTask;
    }

    private static string FormatETag(int etag) => etag.ToString(CultureInfo.InvariantCulture);

    /// <summary>The caller's version must be the one after the table's current one, made from the current etag.</summary>
    private bool IsNextVersion(TableVersion tableVersion) =>
        tableVersion.VersionEtag == FormatETag(_state.Version) && tableVersion.Version == _state.Version + 1;

    private MembershipTableData Snapshot(IEnumerable<(MembershipEntry Entry, int ETag)> rows) =>
        new(
            [.. rows.OrderBy(r => r.Entry.SiloAddress).Select(r => new MembershipRow(r.Entry, FormatETag(r.ETag)))],
            new TableVersion(_state.Version, FormatETag(_state.Version)));
}
