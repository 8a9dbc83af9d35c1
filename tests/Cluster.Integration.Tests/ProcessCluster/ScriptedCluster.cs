using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cluster.Integration.Tests.ProcessCluster;

/// <summary>
/// The cluster an operator runs: <c>deploy/cluster-start.sh</c> (PostgreSQL, 3 silos, 2 gateways, each its own process)
/// in a temporary data folder on free loopback ports, stopped with <c>deploy/cluster-stop.sh</c> on dispose.
/// </summary>
/// <remarks>
/// Port layout, as the script documents it: gateway-a = base, silo-N = base+N, gateway-b = base+10; silo-to-silo
/// ports silo-N = base+20+N-1 and their Orleans gateway ports base+120+N-1; PostgreSQL = base+30.
/// </remarks>
public sealed class ScriptedCluster : IAsyncDisposable
{
    public const int SiloCount = 3;

    private const string FolderPrefix = "cluster-proc-";

    private readonly int _basePort;
    private readonly string _store;
    private string[] _nodeArguments = [];
    private int _stopped;

    private ScriptedCluster(string directory, int basePort, string store)
    {
        Directory = directory;
        _basePort = basePort;
        _store = store;
        GatewayA = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{basePort}/"));
        GatewayB = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{basePort + 10}/"));
    }

    /// <summary>The data folder (<c>CLUSTER_DIR</c>): pid files, <c>logs/</c>, <c>pg/</c>.</summary>
    public string Directory { get; }

    /// <summary>The gateway encoders push to.</summary>
    public Uri GatewayA { get; }

    /// <summary>The gateway viewers play from.</summary>
    public Uri GatewayB { get; }

    /// <summary>Where the start script's output went (what an operator sees on the terminal).</summary>
    public string StartOutput { get; private set; } = "";

    /// <summary>
    /// Runs <c>deploy/cluster-start.sh</c> on free ports with <paramref name="store"/> (<c>CLUSTER_STORE</c>:
    /// <c>PostgreSql</c> or <c>AzureStorage</c>); on failure runs the stop script too and throws with its output.
    /// </summary>
    public static async Task<ScriptedCluster> StartAsync(string store = "PostgreSql", params string[] nodeArguments)
    {
        await StopAbandonedAsync();
        var directory = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);

        // Default permissions (0755 under the usual umask): the postgres user must reach the database folder inside.
        System.IO.Directory.CreateDirectory(directory);
        var cluster = new ScriptedCluster(directory, DeployScripts.FindFreePortBlock([0, 1, 2, 3, 10, 20, 21, 22, 30, 31, 120, 121, 122]), store);
        try
        {
            cluster._nodeArguments = nodeArguments;
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

    /// <summary>
    /// Every silo as <c>GET /admin/silos</c> on gateway B lists it (the operator's view of Orleans' membership); none
    /// while it answers 503 (the silo holding Orleans' management grain was just killed), as a poller would see it.
    /// </summary>
    public async Task<SiloView[]> SilosAsync()
    {
        using var client = new HttpClient { BaseAddress = GatewayB, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("admin/silos");
        if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            response.Headers.RetryAfter.ShouldNotBeNull("a 503 says when to retry");
            return [];
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<SiloView[]>(JsonOptions) ?? [];
    }

    /// <summary>The silo hosting point <paramref name="path"/>, as its admin status names it; null when it has none.</summary>
    public async Task<SiloView?> PointSiloAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = GatewayB, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"admin/publishing-points/{path}");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var status = await response.Content.ReadFromJsonAsync<PointView>(JsonOptions);
        return status?.Silo is { } silo ? (await SilosAsync()).SingleOrDefault(s => s.Address == silo.Address) : null;
    }

    /// <summary>
    /// The grains (<c>point:key</c>, <c>track:key</c>) running on more than one silo, as each live silo's own
    /// <c>GET /admin/silo</c> lists them: a second running activation would split a DVR, so this must stay empty
    /// whatever happens to the cluster. A silo that does not answer (killed, stopping) runs nothing for a viewer.
    /// </summary>
    public async Task<string[]> DuplicatesAsync()
    {
        var silos = await Task.WhenAll(Enumerable.Range(1, SiloCount).Select(LocalSiloAsync));
        return [.. silos.OfType<SiloView>()
            .SelectMany(s => s.Points.Select(p => "point:" + p).Concat(s.Tracks.Select(t => "track:" + t)))
            .GroupBy(k => k, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)];
    }

    /// <summary>Silo <paramref name="number"/>'s own <c>GET /admin/silo</c> (what runs on it); null when it does not answer.</summary>
    public async Task<SiloView?> LocalSiloAsync(int number)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return await client.GetFromJsonAsync<SiloView>(new Uri(SiloUrl(number), "admin/silo"), JsonOptions);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The public HTTP address of silo <paramref name="number"/> (1-based): BASE+N.</summary>
    public Uri SiloUrl(int number) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_basePort + number}/"));

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

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static Task StopAbandonedAsync() =>
        DeployScripts.StopAbandonedAsync(FolderPrefix, folder => new ScriptedCluster(folder, 0, "PostgreSql").DisposeAsync());

    /// <summary>Starts silo <paramref name="number"/> again (or a new one) into the running cluster: <c>CLUSTER_JOIN=N deploy/cluster-start.sh</c>.</summary>
    public async Task JoinAsync(int number)
    {
        var (exitCode, output) = await RunScriptAsync("cluster-start.sh", _nodeArguments, ("CLUSTER_JOIN", number.ToString(CultureInfo.InvariantCulture)));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"CLUSTER_JOIN={number} deploy/cluster-start.sh exited with {exitCode}:{Environment.NewLine}{output}");
        }
    }

    /// <summary>Takes silo <paramref name="number"/> out gracefully (SIGTERM, waits for it to exit): <c>CLUSTER_NODE=silo-N deploy/cluster-stop.sh</c>.</summary>
    public async Task StopSiloAsync(int number)
    {
        var (exitCode, output) = await RunScriptAsync("cluster-stop.sh", [], ("CLUSTER_NODE", $"silo-{number}"));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"CLUSTER_NODE=silo-{number} deploy/cluster-stop.sh exited with {exitCode}:{Environment.NewLine}{output}");
        }
    }

    private Task<(int ExitCode, string Output)> RunScriptAsync(string script, IReadOnlyList<string> arguments, params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            // The test project's build has just built the node, so the script runs it as is.
            ["CLUSTER_DIR"] = Directory,
            ["CLUSTER_BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SILO_PORT"] = (_basePort + 20).ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_STORE"] = _store,
            ["CLUSTER_PG_PORT"] = (_basePort + 30).ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_AZURITE_PORT"] = (_basePort + 31).ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SILOS"] = SiloCount.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_NO_BUILD"] = "1",
            ["CLUSTER_SILO_DLL"] = DeployScripts.SiloDll(),
            ["CLUSTER_STOP_TIMEOUT"] = "20",
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return DeployScripts.RunAsync(script, arguments, environment);
    }
}

/// <summary>A silo as <c>GET /admin/silos</c> answers it.</summary>
/// <remarks>A silo's own <c>GET /admin/silo</c> answers the same shape without a status.</remarks>
public sealed record SiloView(string Name, string Address, string? Status, string[] Points, string[] Tracks);

/// <summary>The part of a point's admin status these tests read.</summary>
public sealed record PointView(string Path, SiloRef? Silo);

/// <summary>A point's silo as its status names it.</summary>
public sealed record SiloRef(string Name, string Address);
