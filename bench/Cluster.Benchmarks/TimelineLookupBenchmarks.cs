using BenchmarkDotNet.Attributes;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Benchmarks;

/// <summary>Finding a fragment by its timestamp in a 3,600-fragment timeline (every fragment request does this once).</summary>
[MemoryDiagnoser]
public class TimelineLookupBenchmarks
{
    private const int Lookups = 1024;

    private readonly long[] _hits = new long[Lookups];
    private readonly long[] _misses = new long[Lookups];
    private TrackTimeline _timeline = TrackTimeline.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var entries = BenchData.Timeline(TrackKind.Video);
        var fragments = new Fragment[entries.Length];
        for (var i = 0; i < fragments.Length; i++)
        {
            fragments[i] = BenchData.Fragment(TrackKind.Video, entries[i].Time, i);
        }

        _timeline = new TrackTimeline(BenchData.Tracks()[0], fragments, 0, fragments.Length, 0, 1, false, DateTimeOffset.UnixEpoch, 2);

        // A fixed seed keeps runs comparable; random positions defeat the branch predictor as real players would.
        var random = new Random(42);
        for (var i = 0; i < Lookups; i++)
        {
            var entry = entries[random.Next(entries.Length)];
            _hits[i] = entry.Time;
            _misses[i] = entry.Time + 1;
        }
    }

    /// <summary>Per lookup of an existing fragment.</summary>
    [Benchmark(OperationsPerInvoke = Lookups)]
    public int IndexOfHit()
    {
        var sum = 0;
        foreach (var time in _hits)
        {
            sum += _timeline.IndexOf(time);
        }

        return sum;
    }

    /// <summary>Per lookup of a time that is no fragment's start (404 path).</summary>
    [Benchmark(OperationsPerInvoke = Lookups)]
    public int IndexOfMiss()
    {
        var sum = 0;
        foreach (var time in _misses)
        {
            sum += _timeline.IndexOf(time);
        }

        return sum;
    }
}
