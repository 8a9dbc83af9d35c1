using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Cluster.Integration.Tests.Infrastructure;
using Npgsql;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// The cluster an operator runs: <c>deploy/cluster-start.sh</c> (PostgreSQL, 3 silos, 2 gateways, each its own process)
/// in a temporary data folder on free loopback ports, stopped with <c>deploy/cluster-stop.sh</c> on dispose.
/// </summary>
/// <remarks>
/// Port layout, as the script documents it: gateway-a = base, silo-N = base+N, gateway-b = base+10; silo-to-silo
/// ports silo-N = base+20+N-1; PostgreSQL = base+30.
/// </remarks>
public sealed class ScriptedCluster : IAsyncDisposable
{
    public const int SiloCount = 3;

    private const string FolderPrefix = "cluster-proc-";

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A cluster folder untouched this long belongs to a test run that ended without stopping it (the test takes under a minute).</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(30);

    private readonly int _basePort;
    private int _stopped;

    private ScriptedCluster(string directory, int basePort)
    {
        Directory = directory;
        _basePort = basePort;
        GatewayA = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{basePort}/"));
        GatewayB = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{basePort + 10}/"));
        ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={basePort + 30};Username=postgres;Database=postgres;Timeout=10;Pooling=false");
    }

    /// <summary>The data folder (<c>CLUSTER_DIR</c>): pid files, <c>logs/</c>, <c>pg/</c>.</summary>
    public string Directory { get; }

    /// <summary>The gateway encoders push to.</summary>
    public Uri GatewayA { get; }

    /// <summary>The gateway viewers play from.</summary>
    public Uri GatewayB { get; }

    /// <summary>The coordination store every node shares.</summary>
    public string ConnectionString { get; }

    /// <summary>Where the start script's output went (what an operator sees on the terminal).</summary>
    public string StartOutput { get; private set; } = "";

    /// <summary>Runs <c>deploy/cluster-start.sh</c> on free ports; on failure runs the stop script too and throws with its output.</summary>
    public static async Task<ScriptedCluster> StartAsync(params string[] nodeArguments)
    {
        await StopAbandonedAsync();
        var directory = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);

        // Default permissions (0755 under the usual umask): the postgres user must reach the database folder inside.
        System.IO.Directory.CreateDirectory(directory);
        var cluster = new ScriptedCluster(directory, FindFreePortBlock());
        try
        {
            var (exitCode, output) = await cluster.RunScriptAsync("cluster-start.sh", nodeArguments);
            cluster.StartOutput = output;
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"deploy/cluster-start.sh exited with {exitCode}:{Environment.NewLine}{output}");
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silo-to-silo endpoint (<c>127.0.0.1:port</c>) of silo <paramref name="number"/> (1-based).</summary>
    public string SiloEndpoint(int number) => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{_basePort + 20 + number - 1}");

    /// <summary>The node name (<c>silo-N</c>) whose silo-to-silo endpoint is <paramref name="endpoint"/>.</summary>
    public string SiloNameOf(string endpoint) =>
        Enumerable.Range(1, SiloCount).Where(n => SiloEndpoint(n) == endpoint).Select(n => $"silo-{n}").SingleOrDefault()
        ?? throw new InvalidOperationException($"{endpoint} is none of this cluster's silos.");

    /// <summary>The pid the start script recorded for node <paramref name="name"/>.</summary>
    public int PidOf(string name) =>
        int.Parse(File.ReadAllText(Path.Combine(Directory, name + ".pid")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

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

    /// <summary>The command line of process <paramref name="pid"/>, arguments separated by spaces.</summary>
    public static string CommandLine(int pid) => File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');

    /// <summary>The last lines of node <paramref name="name"/>'s log, for assertion messages.</summary>
    public string LogTail(string name, int lines = 40)
    {
        var file = Path.Combine(Directory, "logs", name + ".log");
        try
        {
            return $"--- {name}.log (last {lines} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, File.ReadLines(file).TakeLast(lines))}";
        }
        catch (IOException ex)
        {
            return $"--- {name}.log unreadable: {ex.Message}";
        }
    }

    /// <summary>Where the grain directory says <paramref name="grainType"/>/<paramref name="grainKey"/> is active (<c>endpoint@generation</c>), or null.</summary>
    public async Task<(string Endpoint, long Generation)?> LookupGrainAsync(string grainType, string grainKey)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT silo_endpoint, silo_generation FROM cluster_grain_directory WHERE grain_type = @type AND grain_key = @key",
            connection);
        command.Parameters.AddWithValue("type", grainType);
        command.Parameters.AddWithValue("key", grainKey);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>The grains (<c>type/key</c>) the grain directory places on silo <paramref name="endpoint"/>@<paramref name="generation"/>.</summary>
    public async Task<List<string>> GrainsOnSiloAsync(string endpoint, long generation)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT grain_type || '/' || grain_key FROM cluster_grain_directory WHERE silo_endpoint = @endpoint AND silo_generation = @generation ORDER BY 1",
            connection);
        command.Parameters.AddWithValue("endpoint", endpoint);
        command.Parameters.AddWithValue("generation", generation);
        var grains = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            grains.Add(reader.GetString(0));
        }

        return grains;
    }

    /// <summary>The membership status (Joining, Active, ShuttingDown, Dead) of one silo process, or null when it has no row.</summary>
    public async Task<string?> SiloStatusAsync(string endpoint, long generation)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status FROM cluster_membership WHERE endpoint = @endpoint AND generation = @generation",
            connection);
        command.Parameters.AddWithValue("endpoint", endpoint);
        command.Parameters.AddWithValue("generation", generation);
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>Runs <c>deploy/cluster-stop.sh</c> (once) and deletes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            var (exitCode, output) = await RunScriptAsync("cluster-stop.sh", []);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"deploy/cluster-stop.sh exited with {exitCode}:{Environment.NewLine}{output}");
            }
        }
        finally
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    /// <summary>
    /// Stops clusters of earlier test runs that were killed before their dispose ran (the nodes are detached from the
    /// test process, so nothing else would ever stop them) and deletes their folders.
    /// </summary>
    private static async Task StopAbandonedAsync()
    {
        foreach (var folder in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (TimeProvider.System.GetUtcNow().UtcDateTime - System.IO.Directory.GetLastWriteTimeUtc(folder) > AbandonedAfter)
            {
                try
                {
                    await new ScriptedCluster(folder, 0).DisposeAsync();
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    // Someone else's leftovers that will not stop are no reason to fail this run.
                }
            }
        }
    }

    /// <summary>
    /// A base port whose layout (base..base+3, base+10, base+20..base+22, base+30) is free on loopback now. Another
    /// process may still take one before the nodes bind it; the start script then fails with the node's log.
    /// </summary>
    private static int FindFreePortBlock()
    {
        int[] offsets = [0, 1, 2, 3, 10, 20, 21, 22, 30];
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var basePort = Random.Shared.Next(20_000, 30_000);
            if (offsets.All(offset => IsFree(basePort + offset)))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException("No free block of loopback ports found in 20000-30040.");
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

    /// <summary>The Release or Debug build of the node, matching this test assembly's configuration.</summary>
    private static string SiloDll()
    {
        var configuration = typeof(ScriptedCluster).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        return Path.Combine(RepositoryPaths.Root, "src", "Cluster.Silo", "bin", configuration, "net10.0", "Cluster.Silo.dll");
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string script, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "deploy", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test project's build has just built the node, so the script runs it as is.
        start.Environment["CLUSTER_DIR"] = Directory;
        start.Environment["CLUSTER_BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_SILO_PORT"] = (_basePort + 20).ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_PG_PORT"] = (_basePort + 30).ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_SILOS"] = SiloCount.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_NO_BUILD"] = "1";
        start.Environment["CLUSTER_SILO_DLL"] = SiloDll();
        start.Environment["CLUSTER_STOP_TIMEOUT"] = "20";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {script}.");
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
            throw new TimeoutException($"deploy/{script} did not finish within {ScriptTimeout}:{Environment.NewLine}{Text(output)}");
        }

        // WaitForExitAsync also waits for the redirected output to be read to its end.
        return (process.ExitCode, Text(output));
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
