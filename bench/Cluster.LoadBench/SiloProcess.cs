using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cluster.LoadBench;

/// <summary>
/// A silo started as its own process (so its CPU and memory can be read from /proc), on a free loopback port, with a
/// fresh temporary data folder (<c>Cluster:DataPath</c>) deleted on dispose.
/// The load generator is one client address creating every point, so the per-client quota is lifted (<see cref="LoadGeneratorLimits"/>).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>Points one client may create by pushing: every benchmark point comes from this one process.</summary>
    private static readonly string[] LoadGeneratorLimits = ["--Cluster:PublishingPoints:MaxAutoCreatedPointsPerClient=1000000"];

    private readonly Process _process;
    private readonly string _dataPath;

    private SiloProcess(Process process, string dataPath, Uri address)
    {
        _process = process;
        _dataPath = dataPath;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>
    /// Cluster.Silo.dll next to this tool (the project reference copies it there) unless <paramref name="dll"/> names
    /// another build, such as src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string? dll, IEnumerable<string> settings, TextWriter log)
    {
        dll ??= Path.Combine(AppContext.BaseDirectory, "Cluster.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"No silo at {dll}; build it (dotnet build -c Release) or pass --silo.", dll);
        }

        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var dataPath = Directory.CreateTempSubdirectory("cluster-loadbench-").FullName;
        foreach (var argument in (string[])[dll, "--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", $"--Cluster:DataPath={dataPath}", .. LoadGeneratorLimits, .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The silo did not start.");

        // Drain its output so a silo never blocks on a full pipe; it logs warnings and worse only, and they belong in the report.
        DataReceivedEventHandler forward = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine($"// silo: {e.Data}");
                }
            }
        };
        process.OutputDataReceived += forward;
        process.ErrorDataReceived += forward;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var silo = new SiloProcess(process, dataPath, address);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with {process.ExitCode} during start-up.");
            }

            try
            {
                using var response = await http.GetAsync("healthz");
                if (response.IsSuccessStatusCode)
                {
                    return silo;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                await silo.DisposeAsync();
                throw new TimeoutException("The silo did not answer /healthz within 60 s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>User plus system CPU time of the silo so far (/proc/pid/stat fields 14 and 15).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");

        // The command name (field 2) may hold spaces, so fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>Resident set size in bytes (/proc/pid/status VmRSS).</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("No VmRSS in /proc status.");
    }

    /// <summary>USER_HZ; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable without P/Invoke).</summary>
    private const int ClockTicksPerSecond = 100;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
