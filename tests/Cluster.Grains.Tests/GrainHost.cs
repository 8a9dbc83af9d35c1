using System.Collections.Immutable;
using Cluster.Grains.Clustering;
using Cluster.Media.Model;
using Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Grains.Tests;

/// <summary>
/// The grains on a real Orleans silo in this process (configured as the product configures one), with a fake clock. Points' settings are stored in memory, in this host
/// only (settings may name another store, e.g. <c>Cluster:PublishingPoints:Store=File</c> with a temporary <c>Cluster:DataPath</c>).
/// </summary>
internal sealed class GrainHost : IAsyncDisposable
{
    private readonly TestSilo _silo;

    public GrainHost(params (string Key, string Value)[] settings)
    {
        var configuration = Configuration(settings);
        _silo = TestSilo.Start(silo => silo.AddClusterSilo(configuration), services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddClusterGrains(configuration);
        });
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public IGrainFactory Grains => _silo.Grains;

    public IServiceProvider Services => _silo.Services;

    /// <summary>
    /// Settings of a silo alone on free loopback ports, with points' settings in memory, then <paramref name="settings"/>.
    /// Calls may take a minute: the product's 5 s bound is for a crashed peer, and a test process on a loaded machine
    /// can take longer than that to activate its first grain.
    /// </summary>
    public static IConfiguration Configuration(params (string Key, string Value)[] settings)
    {
        var (siloPort, gatewayPort) = TestSilo.TwoFreePorts();
        return new ConfigurationBuilder()
            .AddInMemoryCollection(
            [
                new KeyValuePair<string, string?>("Cluster:PublishingPoints:Store", "InMemory"),
                new KeyValuePair<string, string?>("Cluster:Silo:Endpoint", $"127.0.0.1:{siloPort}"),
                new KeyValuePair<string, string?>("Cluster:Silo:GatewayPort", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new KeyValuePair<string, string?>("Cluster:Silo:CallTimeout", "00:01:00"),
            ])
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
    }

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

    public async ValueTask DisposeAsync() => await _silo.DisposeAsync();
}
