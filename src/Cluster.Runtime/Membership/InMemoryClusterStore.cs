using System.Collections.Concurrent;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The state behind the in-memory membership table and grain directory, per cluster id. One instance is one "database":
/// the DI registration adds one per service provider (a single-node cluster); registering the same instance in several
/// silos' service collections before <c>AddClusterMembership</c>/<c>AddClusterDirectory</c> makes them one cluster in one process.
/// </summary>
public sealed class InMemoryClusterStore
{
    private readonly ConcurrentDictionary<string, InMemoryMembershipState> _membership = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _directories = new(StringComparer.Ordinal);

    internal InMemoryMembershipState GetMembership(string clusterId) => _membership.GetOrAdd(clusterId, static _ => new InMemoryMembershipState());

    /// <summary>The directory state of <paramref name="clusterId"/>; typed by the directory so this class needs no reference to it.</summary>
    internal T GetDirectory<T>(string clusterId)
        where T : class, new() => (T)_directories.GetOrAdd(clusterId, static _ => new T());
}

/// <summary>One cluster's in-memory membership rows and version; guarded by its own lock.</summary>
internal sealed class InMemoryMembershipState
{
    public object Lock { get; } = new();

    public Dictionary<SiloAddress, (MembershipEntry Entry, int ETag)> Rows { get; } = [];

    public int Version { get; set; }

    /// <summary>Last row etag handed out; never reset, so an etag is not reused even after the cluster's rows are deleted.</summary>
    public int LastETag { get; set; }
}
