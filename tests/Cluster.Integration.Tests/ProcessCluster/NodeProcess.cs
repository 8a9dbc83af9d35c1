using System.Diagnostics;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// One node as an operator starts it: <c>dotnet Cluster.Silo.dll</c>, a single-node cluster with the embedded defaults,
/// on free loopback ports (HTTP, Orleans silo +1, Orleans gateway +2), its own data folder and log file; killed with
/// SIGKILL on <see cref="Kill"/> and on dispose.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _folder;

    private NodeProcess(string name, Process process, string folder, Uri address)
    {
        Name = name;
        _process = process;
        _folder = folder;
        Address = address;
    }

    /// <summary>The node's name (its Orleans silo name).</summary>
    public string Name { get; }

    /// <summary>The node's base URL.</summary>
    public Uri Address { get; }

    /// <summary>What the node wrote so far.</summary>
    public string Log => File.Exists(LogPath) ? ReadShared(LogPath) : "";

    private string LogPath => Path.Combine(_folder, "node.log");

    /// <summary>Starts the node with <paramref name="settings"/> (<c>--Key=Value</c> arguments) and waits for <c>/healthz</c>.</summary>
    public static async Task<NodeProcess> StartAsync(string name, params string[] settings)
    {
        var port = DeployScripts.FindFreePortBlock([0, 1, 2]);
        var folder = Path.Combine(Path.GetTempPath(), $"node-{name}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(folder);
        var dll = DeployScripts.SiloDll();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            dll, "--contentRoot", Path.GetDirectoryName(dll)!, "--urls", $"http://127.0.0.1:{port}",
            $"--Cluster:DataPath={Path.Combine(folder, "data")}", $"--Cluster:Silo:Name={name}",
            $"--Cluster:Silo:Endpoint=127.0.0.1:{port + 1}", $"--Cluster:Silo:GatewayPort={port + 2}",
        }.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var node = new NodeProcess(name, process, folder, new Uri($"http://127.0.0.1:{port}/"));
        _ = node.CopyAsync(process.StandardOutput);
        _ = node.CopyAsync(process.StandardError);
        await node.WaitHealthyAsync();
        return node;
    }

    /// <summary>SIGKILL: the node dies at once, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temporary folder is left for the system to clean.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, for a failure message.</summary>
    public string LogTail(int lines = 30) => $"--- {Name} ---\n{string.Join('\n', Log.Split('\n').TakeLast(lines))}";

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Node {Name} exited during start-up.\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Address, "healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (started.Elapsed > HealthTimeout)
            {
                Kill();
                throw new TimeoutException($"Node {Name} did not answer /healthz within {HealthTimeout}.\n{LogTail()}");
            }

            await Task.Delay(200);
        }
    }

    private async Task CopyAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_process)
            {
                File.AppendAllText(LogPath, line + "\n");
            }
        }
    }

    private string ReadShared(string path)
    {
        lock (_process)
        {
            return File.ReadAllText(path);
        }
    }
}
