using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Manifests;
using Cluster.Media.Model;
using Cluster.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.PublishingPoints;

/// <summary>
/// A publishing point: IIS's lifecycle, the encoder session (epoch) its connections share, and the tracks they feed.
/// State that interleaving reads (status, manifests) need is published as one immutable <see cref="PointView"/>.
/// An existing point keeps its activation (its state lives only here); probes of unknown paths are left to idle
/// collection rather than deactivated on request, which would race a concurrent create.
/// </summary>
internal sealed partial class PublishingPointGrain(
    IOptions<PublishingPointOptions> options,
    TimeProvider timeProvider,
    ILogger<PublishingPointGrain> logger) : Grain, IPublishingPointGrain
{
    private readonly Dictionary<string, ImmutableArray<string>> _connections = new(StringComparer.Ordinal);
    private readonly List<(string Key, TrackInfo Info)> _tracks = [];
    private bool _exists;
    private PublishingPointState _state = PublishingPointState.Idle;
    private PublishingPointSettings _settings = options.Value.Defaults;
    private long _epoch;
    private DateTimeOffset? _lastStateChange;
    private readonly ManifestCache _manifestCache = new();
    private volatile PointView _view = PointView.Missing;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Points.TryGetValue(PrimaryKey, out var configured))
        {
            _exists = true;
            _settings = configured;
            Publish();
        }

        return Task.CompletedTask;
    }

    public Task<PublishingPointStatus> GetStatusAsync() => Task.FromResult(ToStatus(_view));

    public async Task<PublishingPointStatus> ConfigureAsync(PublishingPointSettings settings)
    {
        var created = !_exists;
        _exists = true;
        var dvrChanged = settings.DvrWindowLength != _settings.DvrWindowLength || settings.LookaheadCount != _settings.LookaheadCount;
        _settings = settings;
        if (created)
        {
            LogCreated(PrimaryKey);
        }

        if (dvrChanged)
        {
            foreach (var (key, info) in _tracks)
            {
                await GrainFactory.GetGrain<ITrackGrain>(key).BindAsync(Binding(info));
            }
        }

        Publish();
        return ToStatus(_view);
    }

    public Task<PublishingPointStatus> StartAsync()
    {
        _exists = true;
        if (_state is PublishingPointState.Idle or PublishingPointState.Stopped or PublishingPointState.Shutdown)
        {
            ChangeState(PublishingPointState.Starting);
        }

        Publish();
        return Task.FromResult(ToStatus(_view));
    }

    public async Task<PublishingPointStatus> StopAsync()
    {
        if (_exists && _state is PublishingPointState.Starting or PublishingPointState.Started or PublishingPointState.Stopping)
        {
            await EndSessionAsync();
        }

        return ToStatus(_view);
    }

    public async Task<PublishingPointStatus> ShutdownAsync()
    {
        if (_exists && _state != PublishingPointState.Shutdown)
        {
            _epoch++;
            foreach (var (key, _) in _tracks)
            {
                await GrainFactory.GetGrain<ITrackGrain>(key).ClearAsync(_epoch);
            }

            _tracks.Clear();
            _connections.Clear();
            ChangeState(PublishingPointState.Shutdown);
            Publish();
        }

        return ToStatus(_view);
    }

    public Task<IngestAdmission> ProbeIngestAsync(string? eventId, bool createIfMissing) =>
        Task.FromResult(Admission(eventId, createIfMissing, out _) ?? new IngestAdmission(true, 200, null, _epoch, []));

    public async Task<IngestAdmission> OpenIngestAsync(IngestOpening opening, bool createIfMissing)
    {
        if (Admission(opening.EventId, createIfMissing, out var freshSession) is { } refusal)
        {
            LogIngestRefused(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, refusal.StatusCode, refusal.Reason);
            return refusal;
        }

        if (!_exists)
        {
            _exists = true;
            LogCreated(PrimaryKey);
        }

        var newTracks = opening.Tracks.Count(t => !_tracks.Exists(known => known.Key == Key(t)));
        if (!freshSession && _tracks.Count + newTracks > options.Value.MaxTracksPerPoint
            || freshSession && opening.Tracks.Length > options.Value.MaxTracksPerPoint)
        {
            var refused = IngestAdmission.Refuse(400, $"Publishing point '{PrimaryKey}' accepts at most {options.Value.MaxTracksPerPoint} tracks.");
            LogIngestRefused(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, refused.StatusCode, refused.Reason);
            return refused;
        }

        if (freshSession)
        {
            await StartSessionAsync(opening.EventId);
        }

        var keys = ImmutableArray.CreateBuilder<string>(opening.Tracks.Length);
        foreach (var track in opening.Tracks)
        {
            var key = Key(track);
            keys.Add(key);
            if (!_tracks.Exists(known => known.Key == key))
            {
                _tracks.Add((key, track));
                LogTrackAdded(PrimaryKey, track.Kind, track.Name, track.Bitrate, track.FourCC);
            }

            await GrainFactory.GetGrain<ITrackGrain>(key).BindAsync(Binding(track));
        }

        _connections[opening.ConnectionId] = keys.MoveToImmutable();
        if (_state != PublishingPointState.Started)
        {
            ChangeState(PublishingPointState.Started);
        }

        LogIngestOpened(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, opening.StreamId, opening.Tracks.Length, _epoch);
        Publish();
        return new IngestAdmission(true, 200, null, _epoch, _connections[opening.ConnectionId]);
    }

    public async Task CloseIngestAsync(string connectionId, IngestEnd end)
    {
        if (!_connections.Remove(connectionId))
        {
            return;
        }

        LogIngestClosed(PrimaryKey, connectionId, end);
        if (_connections.Count == 0 && end == IngestEnd.EndOfStream && _state == PublishingPointState.Started)
        {
            await EndSessionAsync();
        }
        else
        {
            Publish();
        }
    }

    public Task<ManifestDocument?> GetManifestAsync(ManifestFormat format) => GetDocumentAsync(new ManifestKey(format));

    public Task<ManifestDocument?> GetMediaPlaylistAsync(string trackName, int bitrate) =>
        GetDocumentAsync(new ManifestKey(ManifestFormat.Hls, trackName, bitrate));

    private async Task<ManifestDocument?> GetDocumentAsync(ManifestKey key)
    {
        var view = _view;
        if (!view.Exists || view.State is PublishingPointState.Idle or PublishingPointState.Shutdown || view.TrackKeys.IsEmpty)
        {
            return null;
        }

        var timelines = new TrackTimeline[view.TrackKeys.Length];
        for (var i = 0; i < timelines.Length; i++)
        {
            timelines[i] = await GrainFactory.GetGrain<ITrackGrain>(view.TrackKeys[i]).GetTimelineAsync();
        }

        return _manifestCache.Get(key, view, timelines);
    }

    /// <summary>Null when a new encoder may connect; otherwise the refusal. Sets <paramref name="freshSession"/> when it would start a new session.</summary>
    private IngestAdmission? Admission(string? eventId, bool createIfMissing, out bool freshSession)
    {
        freshSession = false;
        if (!_exists && !createIfMissing)
        {
            return IngestAdmission.Refuse(404, $"There is no publishing point '{PrimaryKey}'; create it through the admin API first (auto-create is off).");
        }

        var newEvent = eventId is not null && !string.Equals(eventId, _settings.EventId, StringComparison.Ordinal);
        switch (_state)
        {
            case PublishingPointState.Shutdown:
                return IngestAdmission.Refuse(403, $"Publishing point '{PrimaryKey}' is shut down; start it through the admin API.");
            case PublishingPointState.Stopped when !_settings.RestartOnEncoderReconnect && !newEvent:
                return IngestAdmission.Refuse(
                    409,
                    $"Publishing point '{PrimaryKey}' is stopped and serves its recording; push with a new event id (.../Events(id)/Streams(...)), enable restartOnEncoderReconnect, or start it through the admin API.");
            case PublishingPointState.Idle or PublishingPointState.Starting or PublishingPointState.Stopped:
                freshSession = true;
                return null;
            default:
                freshSession = newEvent;
                return null;
        }
    }

    private async Task StartSessionAsync(string? eventId)
    {
        _epoch++;
        foreach (var (key, _) in _tracks)
        {
            await GrainFactory.GetGrain<ITrackGrain>(key).ClearAsync(_epoch);
        }

        _tracks.Clear();
        _connections.Clear();
        if (eventId is not null)
        {
            _settings = _settings with { EventId = eventId };
        }

        LogSessionStarted(PrimaryKey, _epoch, _settings.EventId);
    }

    private async Task EndSessionAsync()
    {
        ChangeState(PublishingPointState.Stopping);
        foreach (var (key, _) in _tracks)
        {
            await GrainFactory.GetGrain<ITrackGrain>(key).SetEndedAsync(_epoch, true);
        }

        ChangeState(PublishingPointState.Stopped);
        Publish();
    }

    private string Key(TrackInfo track) => PublishingPointPath.TrackKey(PrimaryKey, track.Name, track.Bitrate);

    private TrackBinding Binding(TrackInfo info) => new(_epoch, info, _settings.DvrWindowLength, _settings.LookaheadCount);

    private void ChangeState(PublishingPointState state)
    {
        LogStateChanged(PrimaryKey, _state, state);
        _state = state;
        _lastStateChange = timeProvider.GetUtcNow();
    }

    private void Publish()
    {
        if (_exists)
        {
            DelayDeactivation(TimeSpan.MaxValue);
        }

        _view = new PointView(
            _exists,
            _state,
            _settings,
            _epoch,
            _connections.Count,
            [.. _tracks.Select(t => t.Key)],
            [.. _tracks.Select(t => t.Info)],
            _lastStateChange);
    }

    private PublishingPointStatus ToStatus(PointView view) =>
        new(PrimaryKey, view.Exists, view.State, view.Settings, view.Epoch, view.ActiveConnections, view.Tracks, view.LastStateChange);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point} created")]
    private partial void LogCreated(string point);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: {From} -> {To}")]
    private partial void LogStateChanged(string point, PublishingPointState from, PublishingPointState to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: session {Epoch} started (event {EventId})")]
    private partial void LogSessionStarted(string point, long epoch, string? eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: track {Kind} '{Name}' {Bitrate} bit/s {FourCC}")]
    private partial void LogTrackAdded(string point, TrackKind kind, string name, int bitrate, string fourCC);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: encoder connection {Connection} from {Remote} on Streams({StreamId}) with {TrackCount} track(s), session {Epoch}")]
    private partial void LogIngestOpened(string point, string connection, string? remote, string streamId, int trackCount, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing point {Point}: refused encoder connection {Connection} from {Remote}: {Status} {Reason}")]
    private partial void LogIngestRefused(string point, string connection, string? remote, int status, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: encoder connection {Connection} ended ({End})")]
    private partial void LogIngestClosed(string point, string connection, IngestEnd end);
}
