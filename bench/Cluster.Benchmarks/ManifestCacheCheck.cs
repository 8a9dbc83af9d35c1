using System.Diagnostics;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Benchmarks;

/// <summary>
/// Shows the cache's contract on a full 2-hour DVR: a manifest is built once and then handed out as the very same
/// document until a fragment arrives, and only then rebuilt. Also gives quick Stopwatch figures of both paths.
/// </summary>
public static class ManifestCacheCheck
{
    /// <summary>Runs the check; returns false when the cache does not behave.</summary>
    public static async Task<bool> RunAsync(TextWriter output, int fragmentsPerTrack = BenchData.FragmentsPerTrack, int cachedCalls = 20_000, int rebuilds = 100)
    {
        await using var dvr = await GrainDvr.CreateAsync(fragmentsPerTrack);
        var ok = true;
        foreach (var format in Enum.GetValues<ManifestFormat>())
        {
            var first = await dvr.Point.GetManifestAsync(format) ?? throw new InvalidOperationException($"No {format} manifest.");
            var again = await dvr.Point.GetManifestAsync(format);
            var stillCached = ReferenceEquals(first, again);

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < cachedCalls; i++)
            {
                again = await dvr.Point.GetManifestAsync(format);
            }

            var cachedMicros = watch.Elapsed.TotalMicroseconds / cachedCalls;
            stillCached &= ReferenceEquals(first, again);

            // Every track: a manifest lists the fragments all levels of a stream hold, so one track alone changes nothing
            // in it (and the same bytes keep their ETag).
            await dvr.AddFragmentToEveryTrackAsync();
            var rebuilt = await dvr.Point.GetManifestAsync(format);
            // Rebuilt as a new document; its ETag changes exactly when its bytes do (the multivariant playlist of
            // same-size fragments does not), so caches everywhere keep what did not change.
            var invalidated = rebuilt is not null && !ReferenceEquals(first, rebuilt)
                && (rebuilt.ETag != first.ETag) == !rebuilt.Body.Span.SequenceEqual(first.Body.Span);

            watch.Restart();
            for (var i = 0; i < rebuilds; i++)
            {
                await dvr.AddFragmentToEveryTrackAsync();
                rebuilt = await dvr.Point.GetManifestAsync(format);
            }

            var rebuildMicros = watch.Elapsed.TotalMicroseconds / rebuilds;
            ok &= stillCached && invalidated;
            output.WriteLine(
                $"| {format} | {fragmentsPerTrack} x 6 | {first.Body.Length:N0} B | {cachedMicros:F2} µs | {(stillCached ? "yes" : "NO")} | {(invalidated ? "yes" : "NO")} | {rebuildMicros:F0} µs |");
        }

        var count = await dvr.CountAsync();
        output.WriteLine($"// track 0 holds {count} fragments after the check (2-hour DVR window: a full window slides instead of growing)");
        return ok;
    }

    /// <summary>The table header for <see cref="RunAsync"/>'s rows.</summary>
    public const string TableHeader =
        "| manifest | fragments | size | cached call (Stopwatch mean) | same document while unchanged | rebuilt after a new fragment | a fragment on each of the 6 tracks + rebuild (Stopwatch mean) |\n|---|---|---|---|---|---|---|";
}
