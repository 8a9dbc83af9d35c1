using System.Collections.Immutable;
using Cluster.Media.Model;
using Cluster.Runtime;
using Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Grains.Tests;

/// <summary>
/// The grains on the real in-process runtime, with a fake clock. Points' settings are stored in memory, in this host
/// only (settings may name another store, e.g. <c>Cluster:PublishingPoints:Store=File</c> with a temporary <c>Cluster:DataPath</c>).
/// </summary>
internal sealed class GrainHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public GrainHost(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Cluster:PublishingPoints:Store", "InMemory")])
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddClusterRuntime();
        services.AddClusterGrains(configuration);
        _services = services.BuildServiceProvider(validateScopes: true);
        Grains = _services.GetRequiredService<IGrainFactory>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public IGrainFactory Grains { get; }

    public static TrackInfo Video(int bitrate, string name = "video") =>
        new() { Kind = TrackKind.Video, Name = name, Bitrate = bitrate, FourCC = "H264", TrackId = 1, Width = 320, Height = 180 };

    public static TrackInfo Audio(int bitrate = 64000) =>
        new() { Kind = TrackKind.Audio, Name = "audio", Bitrate = bitrate, FourCC = "AACL", TrackId = 2, SamplingRate = 48000, Channels = 2 };

    /// <summary>A fragment of <paramref name="samples"/> samples of equal duration and 10 bytes each.</summary>
    public static Fragment Fragment(long time, long duration, int samples = 2)
    {
        var each = (uint)(duration / samples);
        var list = Enumerable.Range(0, samples)
            .Select(i => new Sample(i == samples - 1 ? (uint)(duration - (each * (samples - 1))) : each, 10, i == 0 ? Sample.SyncFlags : Sample.NonSyncFlags, 0))
            .ToImmutableArray();
        return new Fragment(time, list, new byte[samples * 10]);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
