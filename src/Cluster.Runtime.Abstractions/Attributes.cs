namespace Cluster.Runtime;

/// <summary>
/// Marks a grain interface method that may run while another call of the same activation is in progress
/// (Orleans' <c>[AlwaysInterleave]</c>). The grain must make such methods safe by reading immutable state only.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>
/// Keeps activations of a grain class from being collected when idle (Orleans' <c>[KeepAlive]</c>); they end only
/// when they call <see cref="Grain.DeactivateOnIdle"/> or the silo stops.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KeepAliveAttribute : Attribute;

/// <summary>Overrides the idle collection age for activations of a grain class (Orleans' <c>[CollectionAgeLimit]</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute(double minutes) : Attribute
{
    /// <summary>Idle time after which an activation is collected.</summary>
    public TimeSpan Amount { get; } = TimeSpan.FromMinutes(minutes);
}
