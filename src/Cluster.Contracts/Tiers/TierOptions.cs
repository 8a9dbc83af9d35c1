namespace Cluster.Contracts.Tiers;

/// <summary>How this node talks to the tiers above and below it (configuration section <c>Cluster:Tiers</c>).</summary>
public sealed class TierOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Tiers";

    /// <summary>The configuration key operators set the cluster key with (Flussonic's <c>cluster_key</c>); <see cref="SharedKey"/> is its older name.</summary>
    public const string ClusterKeyName = "Cluster:ClusterKey";

    /// <summary>
    /// The cluster key, shared by the servers of one deployment: <c>Cluster:ClusterKey</c> (or, as before,
    /// <c>Cluster:Tiers:SharedKey</c>). When set, a pull, a push from a push output and a restreamer's request for the
    /// stream list must carry an HMAC of the request made with it (<see cref="ServerAuthentication"/>); the key itself
    /// never travels. Default none: any server may pull from points that allow server connections, and no restreamer
    /// gets the stream list.
    /// </summary>
    public string? SharedKey { get; set; }

    /// <summary>Set when <c>Cluster:ClusterKey</c> and <c>Cluster:Tiers:SharedKey</c> are both given and differ.</summary>
    internal bool KeysDiffer { get; set; }

    /// <summary>Most fragments per track a push output sends again (after a reconnect) or catches up; older ones are dropped and counted. Default 64.</summary>
    public int PushBacklog { get; set; } = 64;

    /// <summary>How many of the last fragments a push output resends after a reconnect (the downstream keeps one copy per time). Default 3.</summary>
    public int PushResendCount { get; set; } = 3;

    /// <summary>
    /// After a reconnect a push output also resends every fragment it wrote this long before (a broken HTTP/1.1 body
    /// acknowledges nothing, and the socket's buffers may have held them). Default 10 seconds.
    /// </summary>
    public TimeSpan PushResendWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a push output keeps retrying an unreachable downstream once the stream it pushes has ended. Default 1 minute.</summary>
    public TimeSpan PushRetryAfterEnd { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest wait between reconnect attempts of a push output (the backoff starts at 200 ms and doubles). Default 5 seconds.</summary>
    public TimeSpan PushMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long connecting to another server may take. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the values; returns the problems found.</summary>
    public IEnumerable<string> Validate()
    {
        if (SharedKey is { Length: < 16 })
        {
            yield return "Cluster:ClusterKey (Cluster:Tiers:SharedKey) must have at least 16 characters.";
        }

        if (KeysDiffer)
        {
            yield return "Cluster:ClusterKey and Cluster:Tiers:SharedKey are both set and differ; set only Cluster:ClusterKey.";
        }

        if (PushBacklog is < 1 or > 100_000)
        {
            yield return "Cluster:Tiers:PushBacklog must be between 1 and 100000.";
        }

        if (PushResendCount < 0 || PushResendCount > PushBacklog)
        {
            yield return "Cluster:Tiers:PushResendCount must be between 0 and PushBacklog.";
        }

        if (PushResendWindow < TimeSpan.Zero || PushResendWindow > TimeSpan.FromMinutes(10))
        {
            yield return "Cluster:Tiers:PushResendWindow must be between 0 and 10 minutes.";
        }

        if (PushRetryAfterEnd < TimeSpan.Zero || PushRetryAfterEnd > TimeSpan.FromDays(1))
        {
            yield return "Cluster:Tiers:PushRetryAfterEnd must be between 0 and 1 day.";
        }

        if (PushMaxRetryDelay < TimeSpan.FromMilliseconds(200) || PushMaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            yield return "Cluster:Tiers:PushMaxRetryDelay must be between 200 ms and 5 minutes.";
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            yield return "Cluster:Tiers:ConnectTimeout must be between 0 and 5 minutes.";
        }
    }
}
