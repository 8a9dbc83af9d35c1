using System.Globalization;
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
        var cluster = new ScriptedCluster(directory, DeployScripts.FindFreePortBlock([0, 1, 2, 3, 10, 20, 21, 22, 30]));
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
    public static bool IsAlive(int pid) => DeployScripts.IsAlive(pid);

    /// <summary>The command line of process <paramref name="pid"/>, arguments separated by spaces.</summary>
    public static string CommandLine(int pid) => File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');

    /// <summary>The last lines of node <paramref name="name"/>'s log, for assertion messages.</summary>
    public string LogTail(string name, int lines = 40) => DeployScripts.LogTail(Directory, name, lines);

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
            DeployScripts.DeleteFolder(Directory);
        }
    }

    private static Task StopAbandonedAsync() =>
        DeployScripts.StopAbandonedAsync(FolderPrefix, folder => new ScriptedCluster(folder, 0).DisposeAsync());

    private Task<(int ExitCode, string Output)> RunScriptAsync(string script, IReadOnlyList<string> arguments) =>
        DeployScripts.RunAsync(script, arguments, new Dictionary<string, string>
        {
            // The test project's build has just built the node, so the script runs it as is.
            ["CLUSTER_DIR"] = Directory,
            ["CLUSTER_BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SILO_PORT"] = (_basePort + 20).ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_PG_PORT"] = (_basePort + 30).ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SILOS"] = SiloCount.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_NO_BUILD"] = "1",
            ["CLUSTER_SILO_DLL"] = DeployScripts.SiloDll(),
            ["CLUSTER_STOP_TIMEOUT"] = "20",
        });
}
