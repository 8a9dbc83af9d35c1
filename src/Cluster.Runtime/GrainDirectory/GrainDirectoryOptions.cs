using Cluster.Runtime.Membership;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>Settings of the grain directory (configuration section <see cref="SectionName"/>); see <see cref="ClusterStorageOptions"/>.</summary>
public sealed class GrainDirectoryOptions : ClusterStorageOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Directory";
}
