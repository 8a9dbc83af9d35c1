using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Cluster.Benchmarks;

/// <summary>
/// Runs every [Benchmark] method a few times in-process, with its setup and cleanup, without BenchmarkDotNet's
/// measurement: it proves in seconds that each benchmark still builds its data and runs (no timing is judged).
/// </summary>
public static class SmokeRunner
{
    /// <summary>The benchmark classes of this project.</summary>
    public static IReadOnlyList<Type> BenchmarkTypes { get; } =
    [
        typeof(IngestParseBenchmarks),
        typeof(ManifestWriterBenchmarks),
        typeof(GrainManifestBenchmarks),
        typeof(TimelineLookupBenchmarks),
        typeof(SegmentHeaderBenchmarks),
    ];

    /// <summary>Runs each benchmark <paramref name="invocations"/> times; returns how many benchmark methods ran.</summary>
    public static async Task<int> RunAsync(TextWriter output, int invocations = 3)
    {
        var ran = 0;
        foreach (var type in BenchmarkTypes)
        {
            var instance = Activator.CreateInstance(type)!;
            await InvokeAllAsync<GlobalSetupAttribute>(type, instance);
            try
            {
                foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
                {
                    var watch = Stopwatch.StartNew();
                    object? result = null;
                    for (var i = 0; i < invocations; i++)
                    {
                        result = await InvokeAsync(method, instance);
                    }

                    if (result is int value && value <= 0 && !method.Name.StartsWith("IndexOf", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"{type.Name}.{method.Name} returned {value}; expected a positive size or count.");
                    }

                    output.WriteLine($"smoke: {type.Name}.{method.Name} ok ({result}, {watch.Elapsed.TotalMilliseconds / invocations:F3} ms/call unmeasured)");
                    ran++;
                }
            }
            finally
            {
                await InvokeAllAsync<GlobalCleanupAttribute>(type, instance);
            }
        }

        return ran;
    }

    private static async Task InvokeAllAsync<TAttribute>(Type type, object instance)
        where TAttribute : Attribute
    {
        foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null))
        {
            await InvokeAsync(method, instance);
        }
    }

    private static async Task<object?> InvokeAsync(MethodInfo method, object instance)
    {
        var result = method.Invoke(instance, null);
        switch (result)
        {
            case Task task:
                await task;
                return task.GetType().GetProperty("Result")?.GetValue(task);
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                return result;
        }
    }
}
