using BenchmarkDotNet.Attributes;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Benchmarks;

/// <summary>
/// Manifests through the real grain path (IGrainFactory -> PublishingPointGrain.GetManifestAsync -> track timelines ->
/// ManifestCache) for a 2-hour DVR of 6 tracks. "Cached" is what every player poll costs between fragments;
/// "AfterNewFragment" adds a fragment to every track first, which must invalidate the cache, so it measures add + full rebuild.
/// </summary>
[MemoryDiagnoser]
public class GrainManifestBenchmarks
{
    private GrainDvr _dvr = null!;

    // Synchronous on purpose: BenchmarkDotNet's in-process toolchain does not await an async GlobalSetup, which left
    // the benchmarks running before the DVR existed.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _dvr.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _dvr = await GrainDvr.CreateAsync();

        // Warm every document once so the cached benchmarks start from a filled cache.
        foreach (var format in Enum.GetValues<ManifestFormat>())
        {
            _ = await _dvr.Point.GetManifestAsync(format) ?? throw new InvalidOperationException($"No {format} manifest.");
        }

        _ = await _dvr.Point.GetMediaPlaylistAsync("video", BenchData.VideoBitrates[0], ManifestFormat.Hls) ?? throw new InvalidOperationException("No HLS media playlist.");
    }

    [Benchmark]
    public async Task<int> SmoothCached() => (await _dvr.Point.GetManifestAsync(ManifestFormat.Smooth))!.Body.Length;

    [Benchmark]
    public async Task<int> HlsMultivariantCached() => (await _dvr.Point.GetManifestAsync(ManifestFormat.Hls))!.Body.Length;

    [Benchmark]
    public async Task<int> HlsMediaPlaylistCached() => (await _dvr.Point.GetMediaPlaylistAsync("video", BenchData.VideoBitrates[0], ManifestFormat.Hls))!.Body.Length;

    [Benchmark]
    public async Task<int> DashCached() => (await _dvr.Point.GetManifestAsync(ManifestFormat.Dash))!.Body.Length;

    [Benchmark]
    public async Task<int> SmoothAfterNewFragment()
    {
        await _dvr.AddFragmentToEveryTrackAsync();
        return (await _dvr.Point.GetManifestAsync(ManifestFormat.Smooth))!.Body.Length;
    }

    [Benchmark]
    public async Task<int> HlsMediaPlaylistAfterNewFragment()
    {
        await _dvr.AddFragmentToEveryTrackAsync();
        return (await _dvr.Point.GetMediaPlaylistAsync("video", BenchData.VideoBitrates[0], ManifestFormat.Hls))!.Body.Length;
    }

    [Benchmark]
    public async Task<int> DashAfterNewFragment()
    {
        await _dvr.AddFragmentToEveryTrackAsync();
        return (await _dvr.Point.GetManifestAsync(ManifestFormat.Dash))!.Body.Length;
    }
}
