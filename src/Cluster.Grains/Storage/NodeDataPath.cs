using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Configuration;

namespace Cluster.Grains.Storage;

/// <summary>
/// The node's data folder (configuration key <c>Cluster:DataPath</c>): persisted point settings and, by default, the
/// archive live under it. Default <c>data</c>, relative to the working directory.
/// </summary>
public static class NodeDataPath
{
    /// <summary>The configuration key.</summary>
    public const string Key = "Cluster:DataPath";

    /// <summary>The folder, made absolute.</summary>
    public static string Resolve(IConfiguration configuration) =>
        Path.GetFullPath(configuration[Key] is { Length: > 0 } path ? path : "data");

    /// <summary>The folder <paramref name="path"/> names inside the node's data folder (<see cref="DataFolderPath"/>).</summary>
    /// <exception cref="ArgumentException">The path is absolute or would leave the data folder.</exception>
    public static string Under(IConfiguration configuration, string path) => DataFolderPath.Resolve(Resolve(configuration), path);
}
