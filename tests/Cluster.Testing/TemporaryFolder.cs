namespace Cluster.Testing;

/// <summary>
/// A fresh folder under the system's temporary folder, deleted (with everything in it) on dispose: a test host's
/// <c>Cluster:DataPath</c>, so hosts never write into the repository nor see each other's files.
/// </summary>
public sealed class TemporaryFolder : IDisposable
{
    /// <summary>Creates <c>{temp}/{prefix}{random}</c>.</summary>
    public TemporaryFolder(string prefix = "cluster-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>The folder, absolute.</summary>
    public string Path { get; }

    /// <summary>The command-line setting that makes a node keep its data here.</summary>
    public string DataPathArgument => $"--Cluster:DataPath={Path}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless; failing the test over it is not.
        }
    }
}
