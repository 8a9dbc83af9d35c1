using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>What the fixtures running <c>deploy/*.sh</c> share: free ports, the node binary, running a script, leftovers.</summary>
internal static class DeployScripts
{
    /// <summary>How long one start or stop script may take.</summary>
    public static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A folder untouched this long belongs to a test run that ended without stopping its nodes (a test takes minutes).</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A base port such that base + each offset is free on loopback now. Another process may still take one before the
    /// nodes bind it; the start script then fails with the node's log.
    /// </summary>
    public static int FindFreePortBlock(IReadOnlyList<int> offsets)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var basePort = Random.Shared.Next(20_000, 30_000);
            if (offsets.All(offset => IsFree(basePort + offset)))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException($"No free block of loopback ports (offsets {string.Join(',', offsets)}) found from 20000.");
    }

    /// <summary>The Release or Debug build of the node, matching this test assembly's configuration.</summary>
    public static string SiloDll()
    {
        var configuration = typeof(DeployScripts).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        return Path.Combine(RepositoryPaths.Root, "src", "Cluster.Silo", "bin", configuration, "net10.0", "Cluster.Silo.dll");
    }

    /// <summary>Whether process <paramref name="pid"/> is running (and not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/stat");
            return status[(status.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The last lines of a node's log (<c>{directory}/logs/{name}.log</c>), for assertion messages.</summary>
    public static string LogTail(string directory, string name, int lines)
    {
        var file = Path.Combine(directory, "logs", name + ".log");
        try
        {
            return $"--- {name}.log (last {lines} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, File.ReadLines(file).TakeLast(lines))}";
        }
        catch (IOException ex)
        {
            return $"--- {name}.log unreadable: {ex.Message}";
        }
    }

    /// <summary>Runs <c>deploy/{script}</c> from the repository root with <paramref name="environment"/>; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        RunProcessAsync("bash", [Path.Combine(RepositoryPaths.Root, "deploy", script), .. arguments], RepositoryPaths.Root, environment);

    /// <summary>Runs a program to its end (bounded by <see cref="ScriptTimeout"/>); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunProcessAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {ScriptTimeout}:{Environment.NewLine}{Text(output)}");
        }

        // WaitForExitAsync also waits for the redirected output to be read to its end.
        return (process.ExitCode, Text(output));
    }

    /// <summary>
    /// Stops the nodes of earlier test runs that were killed before their dispose ran (the nodes are detached from the
    /// test process, so nothing else would ever stop them): <paramref name="stop"/> is called for each such folder.
    /// </summary>
    public static async Task StopAbandonedAsync(string folderPrefix, Func<string, ValueTask> stop)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), folderPrefix + "*"))
        {
            if (TimeProvider.System.GetUtcNow().UtcDateTime - Directory.GetLastWriteTimeUtc(folder) > AbandonedAfter)
            {
                try
                {
                    await stop(folder);
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    // Someone else's leftovers that will not stop are no reason to fail this run.
                }
            }
        }
    }

    /// <summary>Deletes a fixture's temporary folder (kept for a post-mortem when <c>CLUSTER_TEST_KEEP_FOLDERS=1</c>); a leftover one is harmless.</summary>
    public static void DeleteFolder(string directory)
    {
        if (Environment.GetEnvironmentVariable("CLUSTER_TEST_KEEP_FOLDERS") == "1")
        {
            // Kept for a post-mortem: the nodes' logs and data.
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
