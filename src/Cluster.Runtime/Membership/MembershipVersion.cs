namespace Cluster.Runtime.Membership;

/// <summary>
/// A version of the cluster's membership (Orleans' <c>MembershipVersion</c>): the membership table version a silo had
/// seen when it did something, e.g. registered a grain in the directory. Higher is newer.
/// </summary>
/// <param name="Value">The membership table's <see cref="TableVersion.Version"/>.</param>
public readonly record struct MembershipVersion(long Value) : IComparable<MembershipVersion>
{
    /// <summary>Before any membership was seen.</summary>
    public static readonly MembershipVersion MinValue = new(long.MinValue);

    /// <inheritdoc/>
    public int CompareTo(MembershipVersion other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
