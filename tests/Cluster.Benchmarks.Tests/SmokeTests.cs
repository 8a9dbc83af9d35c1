using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cluster.LoadBench;

namespace Cluster.Benchmarks.Tests;

/// <summary>
/// Runs every benchmark and load tool in its smoke mode, so none of them rots: each must finish and print its figures
/// in the shape BENCHMARKS.md takes. Nothing here judges speed (DESIGN.md: speed is measured, not asserted).
/// </summary>
public sealed class SmokeTests
{
    [Fact]
    public async Task Every_microbenchmark_runs_and_the_manifest_cache_holds_until_a_fragment_arrives()
    {
        var output = new StringWriter();

        var ran = await SmokeRunner.RunAsync(output, invocations: 1);
        var cacheOk = await ManifestCacheCheck.RunAsync(output, fragmentsPerTrack: 60, cachedCalls: 10, rebuilds: 2);

        ran.ShouldBe(SmokeRunner.BenchmarkTypes.Sum(t => t.GetMethods().Count(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false))));
        cacheOk.ShouldBeTrue(output.ToString());
        output.ToString().ShouldContain("| Smooth | 60 x 6 |");
    }

    [Fact]
    public async Task Ingest_capacity_smoke_steps_up_and_reports_real_time()
    {
        var output = await RunToolAsync("ingest-capacity", "--smoke");

        // The tool runs its steps and reports; whether 2 streams keep real time is a figure, not a test outcome (CI runs
        // this beside ffmpeg and Chromium on 2 cores, where it once reported 0).
        output.ShouldContain("| 2 | 4 |");
        output.ShouldContain("result: ingest capacity");
    }

    [Fact]
    public async Task Latency_smoke_reports_percentiles()
    {
        var output = await RunToolAsync("latency", "--smoke");

        output.ShouldContain("| whole fragment received |");
        output.ShouldContain("result: latency p50");
    }

    [Fact]
    public async Task Memory_smoke_reports_the_ratio()
    {
        var output = await RunToolAsync("memory", "--smoke");

        output.ShouldContain("| DVR bytes held |");
        output.ShouldContain("result: memory RSS / DVR bytes");
    }

    [Fact]
    public async Task Serving_script_smoke_compares_with_nginx_on_both_variants()
    {
        var silo = Path.Combine(AppContext.BaseDirectory, "Cluster.Silo.dll");
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "bench", "serving.sh"), "--smoke"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SILO_DLL"] = silo;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var output = await stdout + await stderr;

        process.ExitCode.ShouldBe(0, output);
        output.ShouldContain("result: serving smooth ratio");
        output.ShouldContain("result: serving cmaf ratio");
    }

    private static async Task<string> RunToolAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await LoadBenchProgram.RunAsync(args, output).WaitAsync(TimeSpan.FromMinutes(3));
        exit.ShouldBe(0, output.ToString());
        return output.ToString();
    }

    /// <summary>From this source file's compile-time path: the test may run from any artifacts folder.</summary>
    private static string RepositoryRoot([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));
}
