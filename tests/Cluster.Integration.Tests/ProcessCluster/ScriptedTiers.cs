using System.Diagnostics;
using System.Globalization;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// The tier topology an operator runs: <c>deploy/tiers-start.sh</c> (ingest, origin-a, origin-b, distribution, each its
/// own process) in a temporary data folder on free loopback ports, with no point pre-configured on the distribution;
/// stopped with <c>deploy/tiers-stop.sh</c> on dispose.
/// </summary>
/// <remarks>Port layout, as the script documents it: ingest = base, origin-a = base+1, origin-b = base+2, distribution = base+3; Orleans silo ports +20, gateway ports +40.</remarks>
public sealed class ScriptedTiers : IAsyncDisposable
{
    public const string IngestNode = "ingest";
    public const string OriginANode = "origin-a";
    public const string OriginBNode = "origin-b";
    public const string DistributionNode = "distribution";

    private const string FolderPrefix = "tiers-proc-";

    /// <summary>How long a restarted node gets to answer <c>/healthz</c> (the script's own default).</summary>
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a node gets to exit after SIGTERM (the stop script's grace period used here).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly int _basePort;
    private int _stopped;

    private ScriptedTiers(string directory, int basePort)
    {
        Directory = directory;
        _basePort = basePort;
    }

    /// <summary>The data folder (<c>TIERS_DIR</c>): pid files, <c>logs/</c>, <c>data/NAME</c>.</summary>
    public string Directory { get; }

    /// <summary>The node encoders push to.</summary>
    public Uri Ingest => Url(IngestNode);

    /// <summary>The primary origin (the distribution's first pull URL).</summary>
    public Uri OriginA => Url(OriginANode);

    /// <summary>The backup origin.</summary>
    public Uri OriginB => Url(OriginBNode);

    /// <summary>The node viewers play from.</summary>
    public Uri Distribution => Url(DistributionNode);

    /// <summary>What the start script printed (what an operator sees on the terminal).</summary>
    public string StartOutput { get; private set; } = "";

    /// <summary>Runs <c>deploy/tiers-start.sh</c> on free ports; on failure runs the stop script too and throws with its output.</summary>
    public static async Task<ScriptedTiers> StartAsync(params string[] nodeArguments)
    {
        await StopAbandonedAsync();
        var directory = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var tiers = new ScriptedTiers(directory, DeployScripts.FindFreePortBlock([0, 1, 2, 3, 20, 21, 22, 23, 40, 41, 42, 43]));
        try
        {
            var (exitCode, output) = await tiers.RunScriptAsync("tiers-start.sh", nodeArguments);
            tiers.StartOutput = output;
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"deploy/tiers-start.sh exited with {exitCode}:{Environment.NewLine}{output}");
            }

            return tiers;
        }
        catch
        {
            await tiers.DisposeAsync();
            throw;
        }
    }

    /// <summary>The base URL of node <paramref name="name"/>.</summary>
    public Uri Url(string name)
    {
        var offset = name switch
        {
            IngestNode => 0,
            OriginANode => 1,
            OriginBNode => 2,
            DistributionNode => 3,
            _ => throw new ArgumentException($"{name} is none of the tiers' nodes.", nameof(name)),
        };
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_basePort + offset}/"));
    }

    /// <summary>Node <paramref name="name"/>'s data folder (its <c>Cluster:DataPath</c>).</summary>
    public string DataPath(string name) => Path.Combine(Directory, "data", name);

    /// <summary>The pid recorded for node <paramref name="name"/> (by the start script, or by <see cref="RestartAsync"/>).</summary>
    public int PidOf(string name) =>
        int.Parse(File.ReadAllText(PidFile(name)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Crashes node <paramref name="name"/> (SIGKILL: no goodbye) and waits until the process is gone.</summary>
    public async Task KillAsync(string name)
    {
        var pid = PidOf(name);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
        }

        await WaitForExitAsync(pid, TimeSpan.FromSeconds(10), $"{name} (pid {pid}) survived SIGKILL");
    }

    /// <summary>
    /// Stops node <paramref name="name"/> as the stop script does (SIGTERM, then waits for it to leave) and starts it
    /// again with the very command line and working folder it ran with, appending to its log; returns once it answers
    /// <c>/healthz</c>.
    /// </summary>
    public async Task RestartAsync(string name)
    {
        var pid = PidOf(name);
        var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var workingDirectory = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget ?? RepositoryPaths.Root;
        arguments.ShouldContain(a => a.EndsWith("Cluster.Silo.dll", StringComparison.Ordinal), $"pid {pid} is not a node: {string.Join(' ', arguments)}");

        var (exitCode, output) = await DeployScripts.RunProcessAsync("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)], RepositoryPaths.Root, new Dictionary<string, string>());
        exitCode.ShouldBe(0, output);
        await WaitForExitAsync(pid, StopTimeout, $"{name} (pid {pid}) still ran {StopTimeout} after SIGTERM\n{LogTail(name)}");

        // Detached from the test process in its own session, as the start script starts it.
        var environment = new Dictionary<string, string> { ["TIERS_NODE_LOG"] = Path.Combine(Directory, "logs", name + ".log") };
        (exitCode, output) = await DeployScripts.RunProcessAsync(
            "bash",
            ["-c", "setsid \"$@\" </dev/null >>\"$TIERS_NODE_LOG\" 2>&1 & echo $!", "restart", .. arguments],
            workingDirectory,
            environment);
        exitCode.ShouldBe(0, output);
        var newPid = int.Parse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(PidFile(name), newPid.ToString(CultureInfo.InvariantCulture) + "\n");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Url(name), "healthz"));
                if (response.IsSuccessStatusCode)
                {
                    File.ReadAllText($"/proc/{newPid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries)
                        .SequenceEqual(arguments).ShouldBeTrue($"{name} restarted with another command line than {string.Join(' ', arguments)}");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (!IsAlive(newPid))
            {
                throw new InvalidOperationException($"{name} exited while restarting\n{LogTail(name)}");
            }

            if (stopwatch.Elapsed > HealthTimeout)
            {
                throw new TimeoutException($"{name} did not answer /healthz within {HealthTimeout} of its restart\n{LogTail(name)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> is running (and not a zombie).</summary>
    public static bool IsAlive(int pid) => DeployScripts.IsAlive(pid);

    /// <summary>The last lines of node <paramref name="name"/>'s log, for assertion messages.</summary>
    public string LogTail(string name, int lines = 40) => DeployScripts.LogTail(Directory, name, lines);

    /// <summary>The last lines of every node's log.</summary>
    public string LogTails(int lines = 25) =>
        string.Join(Environment.NewLine, new[] { IngestNode, OriginANode, OriginBNode, DistributionNode }.Select(n => LogTail(n, lines)));

    /// <summary>Runs <c>deploy/tiers-stop.sh</c> (once) and deletes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            var (exitCode, output) = await RunScriptAsync("tiers-stop.sh", []);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"deploy/tiers-stop.sh exited with {exitCode}:{Environment.NewLine}{output}");
            }
        }
        finally
        {
            DeployScripts.DeleteFolder(Directory);
        }
    }

    private static Task StopAbandonedAsync() =>
        DeployScripts.StopAbandonedAsync(FolderPrefix, folder => new ScriptedTiers(folder, 0).DisposeAsync());

    private static async Task WaitForExitAsync(int pid, TimeSpan timeout, string failure)
    {
        var stopwatch = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(100);
        }
    }

    private string PidFile(string name) => Path.Combine(Directory, name + ".pid");

    private Task<(int ExitCode, string Output)> RunScriptAsync(string script, IReadOnlyList<string> arguments)
    {
        // The test project's build has just built the node, so the script runs it as is. An empty TIERS_POINTS: the
        // distribution pulls nothing until a point is configured through its admin API.
        var environment = new Dictionary<string, string>
        {
            ["TIERS_DIR"] = Directory,
            ["TIERS_BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture),
            ["TIERS_POINTS"] = "",
            ["TIERS_NO_BUILD"] = "1",
            ["CLUSTER_SILO_DLL"] = DeployScripts.SiloDll(),
            ["CLUSTER_STOP_TIMEOUT"] = ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
        return DeployScripts.RunAsync(script, arguments, environment);
    }
}
