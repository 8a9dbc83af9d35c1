using System.Collections.Concurrent;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Archive;
using Cluster.Grains.Clustering;
using Cluster.Grains.Sessions;
using Cluster.Media.Model;
using Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Archive;

/// <summary>
/// The grains on a real Orleans silo in this process with the real clock (the recorder's reads wait at the live edge), a data folder
/// of its own and the log lines kept for assertions.
/// </summary>
internal sealed class ArchiveTestHost : IAsyncDisposable
{
    public static readonly DateTimeOffset SessionStart = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TestSilo _silo;

    public ArchiveTestHost(string dataPath, params (string Key, string Value)[] settings)
    {
        DataPath = dataPath;
        var configuration = GrainHost.Configuration([("Cluster:PublishingPoints:Store", "File"), ("Cluster:DataPath", dataPath), .. settings]);
        _silo = TestSilo.Start(silo => silo.AddClusterSilo(configuration), services =>
        {
            services.AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug).AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning));
            services.AddClusterGrains(configuration);
        });
        Grains = _silo.Grains;
    }

    public string DataPath { get; }

    public LogCollector Logs { get; } = new();

    public IGrainFactory Grains { get; }

    public IArchiveLibrary Library => _silo.Services.GetRequiredService<IArchiveLibrary>();

    public ArchiveFollowerFactory Factory => _silo.Services.GetServices<ISessionFollowerFactory>().OfType<ArchiveFollowerFactory>().Single();

    public T Get<T>()
        where T : notnull => _silo.Services.GetRequiredService<T>();

    public static PointSession Session(IGrainFactory grains, ArchiveSettings? archive, string point = "live/event1", long epoch = 1, string? eventId = null) =>
        new(point, epoch, $"session-{epoch}", eventId, SessionStart, new PublishingPointSettings { Archive = archive }, grains);

    /// <summary>Creates the recorder the factory makes for the session.</summary>
    public ArchiveRecorder Recorder(PointSession session) => Factory.Create(session).OfType<ArchiveRecorder>().Single();

    /// <summary>Binds each track to the session and tells the recorder, as the publishing point does.</summary>
    public async Task<string[]> AddTracksAsync(ArchiveRecorder recorder, PointSession session, IReadOnlyList<TrackInfo> tracks)
    {
        var keys = new string[tracks.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            keys[i] = PublishingPointPath.TrackKey(session.PointPath, tracks[i].Name, tracks[i].Bitrate);
            await Grains.GetGrain<ITrackGrain>(keys[i]).BindAsync(new TrackBinding(session.Epoch, tracks[i], TimeSpan.Zero, 2));
            recorder.OnTrackAdded(keys[i], tracks[i]);
        }

        return keys;
    }

    /// <summary>Feeds the fragments in time order over all tracks (as an encoder interleaves them); every one must be accepted.</summary>
    public async Task FeedAsync(PointSession session, string[] keys, IReadOnlyList<IReadOnlyList<Fragment>> fragments)
    {
        var order = keys
            .SelectMany((key, track) => fragments[track].Select(fragment => (Key: key, Fragment: fragment)))
            .OrderBy(f => f.Fragment.Time);
        foreach (var (key, fragment) in order)
        {
            (await Grains.GetGrain<ITrackGrain>(key).AddFragmentAsync(session.Epoch, fragment)).ShouldBe(AddFragmentResult.Added);
        }
    }

    /// <summary>Ends every track's stream, as a stop does.</summary>
    public async Task EndAsync(PointSession session, string[] keys)
    {
        foreach (var key in keys)
        {
            await Grains.GetGrain<ITrackGrain>(key).SetEndedAsync(session.Epoch, true);
        }
    }

    public async ValueTask DisposeAsync() => await _silo.DisposeAsync();
}

/// <summary>Keeps every log line.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
