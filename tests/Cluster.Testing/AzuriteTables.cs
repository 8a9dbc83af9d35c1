using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
namespace Cluster.Testing;

/// <summary>
/// Azurite's table service (the Azure Storage emulator, from npm; <c>test.sh</c> installs it) on a free loopback port,
/// in memory, for the AzureStorage cluster store. Stopped on dispose.
/// </summary>
public sealed class AzuriteTables : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account key (public, the same in every Azurite).</summary>
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly TemporaryFolder _folder;

    private AzuriteTables(Process process, TemporaryFolder folder, int port)
    {
        _process = process;
        _folder = folder;
        ConnectionString = string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;");
    }

    /// <summary>The connection string of the emulated account.</summary>
    public string ConnectionString { get; }

    /// <summary>Starts Azurite and waits until its port accepts connections.</summary>
    public static async Task<AzuriteTables> StartAsync()
    {
        var script = Path.Combine(Players(), "azurite", "dist", "src", "table", "main.js");
        File.Exists(script).ShouldBeTrue($"Azurite is not installed at {script}: run ./test.sh (or cd tests/players && npm ci)");
        var port = TestSilo.FreePort();
        var folder = new TemporaryFolder("cluster-azurite-");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { script, "--tableHost", "127.0.0.1", "--tablePort", port.ToString(CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--silent" },
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var tables = new AzuriteTables(process, folder, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return tables;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Where <c>test.sh</c> installs the npm packages: <c>tests/players/node_modules</c> of the repository.</summary>
    private static string Players()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "players", "node_modules");
            }
        }

        throw new InvalidOperationException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Dispose();
    }
}
