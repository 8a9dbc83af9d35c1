using System.Globalization;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The version of a cluster's membership table (Orleans' <c>TableVersion</c>). Every row insert or update is a
/// compare-and-swap on it: the writer passes <c>read.Next()</c>, and the write succeeds only if the table still has the
/// <see cref="VersionEtag"/> that was read, so two silos acting on the same view cannot both win.
/// </summary>
/// <param name="Version">Increases by one with every successful insert or update; 0 for a cluster with no writes yet.</param>
/// <param name="VersionEtag">Opaque tag of the version that was read; compared, never interpreted, by callers.</param>
public readonly record struct TableVersion(int Version, string VersionEtag)
{
    /// <summary>The version of a cluster whose table was never written.</summary>
    public static readonly TableVersion Initial = new(0, "0");

    /// <summary>The version to pass to a write based on this one: the number plus one, this version's etag kept for the comparison.</summary>
    public TableVersion Next() => new(checked(Version + 1), VersionEtag);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{Version}, {VersionEtag}>");
}
