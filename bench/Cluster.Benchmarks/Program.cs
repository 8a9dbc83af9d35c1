using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cluster.Benchmarks;

// --smoke: every benchmark a few times plus the cache check on a small DVR, in seconds (run by the tests).
// --cache-check: the cache contract and quick Stopwatch figures on the full 2-hour DVR.
// Anything else goes to BenchmarkDotNet (e.g. --filter '*', --job short).
if (args.Contains("--smoke"))
{
    var ran = await SmokeRunner.RunAsync(Console.Out);
    Console.WriteLine(ManifestCacheCheck.TableHeader);
    var cacheOk = await ManifestCacheCheck.RunAsync(Console.Out, fragmentsPerTrack: 60, cachedCalls: 100, rebuilds: 5);
    Console.WriteLine($"smoke: {ran} benchmarks ran, cache check {(cacheOk ? "passed" : "FAILED")}");
    return cacheOk && ran > 0 ? 0 : 1;
}

if (args.Contains("--cache-check"))
{
    Console.WriteLine(ManifestCacheCheck.TableHeader);
    return await ManifestCacheCheck.RunAsync(Console.Out) ? 0 : 1;
}

// In-process: the shared tree builds to private artifact paths, which BenchmarkDotNet's per-benchmark project
// generation would not find; in-process runs measure the same optimized code.
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
    .AddExporter(MarkdownExporter.GitHub);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
