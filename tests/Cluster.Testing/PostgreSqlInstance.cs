using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cluster.Testing;

/// <summary>
/// A throwaway private PostgreSQL server for tests: <c>initdb</c> into a temporary folder, started with <c>pg_ctl</c> on
/// a free loopback port with fsync off, trust authentication for user <c>postgres</c>; stopped and deleted on dispose.
/// As root the server binaries run as the <c>postgres</c> user (PostgreSQL refuses to run as root).
/// </summary>
/// <remarks>
/// Starting one takes about a second, so a test run shares <see cref="GetSharedAsync"/> and gives each test class its
/// own database (<see cref="CreateDatabaseAsync"/>). When PostgreSQL is not installed, starting throws with what to install:
/// tests that need it fail rather than skip.
/// </remarks>
public sealed class PostgreSqlInstance : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private const int StartAttempts = 3;
    private const string FolderPrefix = "cluster-pg-";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<Task<PostgreSqlInstance>> Shared = new(StartSharedAsync);

    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private int _databaseCount;
    private int _disposed;

    private PostgreSqlInstance(string binDirectory, string rootDirectory, int port)
    {
        _binDirectory = binDirectory;
        RootDirectory = rootDirectory;
        _dataDirectory = Path.Combine(rootDirectory, "data");
        Port = port;
    }

    /// <summary>The temporary folder holding the data directory, the server log and the Unix socket.</summary>
    public string RootDirectory { get; }

    /// <summary>The TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>Connection string of the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => GetConnectionString("postgres");

    /// <summary>The server log, for failure messages.</summary>
    public string LogFile => Path.Combine(RootDirectory, "server.log");

    /// <summary>
    /// The server shared by the whole test run, started on first use and stopped when the process exits. A failure to
    /// start is remembered, so every test that needs it fails with the same message.
    /// </summary>
    public static Task<PostgreSqlInstance> GetSharedAsync() => Shared.Value;

    /// <summary>Creates and starts a new server.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or the server did not start (the message says why).</exception>
    public static async Task<PostgreSqlInstance> StartAsync(CancellationToken cancellationToken = default)
    {
        var binDirectory = FindBinDirectory();
        DeleteAbandonedFolders();
        var runAsPostgres = Environment.IsPrivilegedProcess;
        InvalidOperationException? lastFailure = null;
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(root);
            var instance = new PostgreSqlInstance(binDirectory, root, GetFreePort());
            try
            {
                if (runAsPostgres)
                {
                    await RunAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", root], root, cancellationToken).ConfigureAwait(false);
                }

                await instance.RunServerToolAsync(
                    "initdb",
                    ["-D", instance._dataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                    cancellationToken).ConfigureAwait(false);
                await instance.RunServerToolAsync(
                    "pg_ctl",
                    [
                        "-D", instance._dataDirectory, "-l", instance.LogFile, "-w", "-t", "60",
                        "-o", string.Create(CultureInfo.InvariantCulture, $"-p {instance.Port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"),
                        "start",
                    ],
                    cancellationToken).ConfigureAwait(false);
                return instance;
            }
            catch (InvalidOperationException ex)
            {
                // Most often the free port was taken between probing and binding; a fresh folder and port usually work.
                lastFailure = new InvalidOperationException($"{ex.Message}{Environment.NewLine}Server log:{Environment.NewLine}{instance.ReadLogTail()}", ex);
                await instance.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw lastFailure!;
    }

    /// <summary>Connection string of database <paramref name="database"/> as the superuser.</summary>
    public string GetConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username={SuperUser};Database={database};Timeout=30;Command Timeout=60");

    /// <summary>Creates an empty database (a fresh name unless <paramref name="name"/> is given) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databaseCount)}_{Guid.NewGuid().ToString("N")[..16]}");
        await RunAsync(
            Path.Combine(_binDirectory, "createdb"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", SuperUser, name],
            RootDirectory,
            cancellationToken).ConfigureAwait(false);
        return GetConnectionString(name);
    }

    /// <summary>Stops the server at once (no checkpoint; the data is thrown away) and deletes its folder. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
            {
                await RunServerToolAsync("pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped or never started: the folder is deleted either way.
        }

        try
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; failing the run for it is not.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static async Task<PostgreSqlInstance> StartSharedAsync()
    {
        var instance = await StartAsync().ConfigureAwait(false);

        // xunit 2 has no assembly fixture; the process exit is the one moment every test class is done with the server.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return instance;
    }

    /// <summary>
    /// Deletes folders of earlier runs whose server is gone. The test host may be killed before the process-exit handler
    /// has deleted the shared server's folder, so each run tidies up after the previous ones.
    /// </summary>
    private static void DeleteAbandonedFolders()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                var pidFile = Path.Combine(folder, "data", "postmaster.pid");
                var running = File.Exists(pidFile)
                    && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && Directory.Exists($"/proc/{pid}");
                var age = TimeProvider.System.GetUtcNow().UtcDateTime - Directory.GetLastWriteTimeUtc(folder);

                // A folder being set up by a parallel run has no pid file yet; the age check leaves it alone.
                if (!running && age > TimeSpan.FromMinutes(1))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Someone else's folder or one still in use: not ours to insist on.
            }
        }
    }

    /// <summary>The newest <c>/usr/lib/postgresql/N/bin</c> holding initdb, else the folder of <c>initdb</c> on PATH.</summary>
    private static string FindBinDirectory()
    {
        const string DebianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(DebianRoot))
        {
            var newest = Directory.GetDirectories(DebianRoot)
                .Select(d => (Directory: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => File.Exists(Path.Combine(d.Directory, "initdb")) && File.Exists(Path.Combine(d.Directory, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Directory)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl")))
            {
                return folder;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH. " +
            "These tests need a real PostgreSQL 15: run ./test.sh (it installs it) or `apt-get install postgresql`.");
    }

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to completion; a non-zero exit becomes an <see cref="InvalidOperationException"/> carrying its output.</summary>
    private static async Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
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

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} did not finish within {CommandTimeout}.");
        }

        var text = new StringBuilder().Append(await output.ConfigureAwait(false)).Append(await error.ConfigureAwait(false)).ToString();
        return process.ExitCode == 0
            ? text
            : throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:{Environment.NewLine}{text}");
    }

    /// <summary>Runs a server binary, through <c>runuser</c> as the postgres user when this process is root.</summary>
    private Task<string> RunServerToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(_binDirectory, tool);
        return Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", SuperUser, "--", binary, .. arguments], RootDirectory, cancellationToken)
            : RunAsync(binary, arguments, RootDirectory, cancellationToken);
    }

    private string ReadLogTail()
    {
        try
        {
            return File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(20)) : "(no log)";
        }
        catch (IOException ex)
        {
            return $"(log unreadable: {ex.Message})";
        }
    }
}
