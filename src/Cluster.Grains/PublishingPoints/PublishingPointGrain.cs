using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Activations;
using Cluster.Grains.Archive;
using Cluster.Grains.Manifests;
using Cluster.Grains.Sessions;
using Cluster.Grains.Tiers;
using Cluster.Media.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;

namespace Cluster.Grains.PublishingPoints;

/// <summary>
/// A publishing point: IIS's lifecycle, the encoder session (epoch) its connections share, and the tracks they feed.
/// State that interleaving reads (status, manifests) need is published as one immutable <see cref="PointView"/>.
/// An existing point keeps its activation (its state lives only here); probes of unknown paths are left to idle
/// collection rather than deactivated on request, which would race a concurrent create.
/// </summary>
internal sealed partial class PublishingPointGrain(
    IOptions<PublishingPointOptions> options,
    IPublishingPointStore store,
    IEnumerable<ISessionFollowerFactory> followerFactories,
    IArchiveLibrary archives,
    TimeProvider timeProvider,
    ILocalSiloDetails silo,
    RunningActivations running,
    NodeUsage usage,
    ILogger<PublishingPointGrain> logger) : Grain, IPublishingPointGrain
{
    private readonly List<ISessionFollower> _followers = [];
    private IPullInputGrain? _pullInput;
    private PullInputSettings? _pullInputSettings;

    /// <summary>Whether an on-demand pull input runs (a viewer asked within its idle timeout), and when the last one asked.</summary>
    private bool _onDemandRunning;
    private bool _onDemandReady;
    private int _onDemandRun;
    private DateTimeOffset _demandedAt;
    private IGrainTimer? _idleTimer;
    private TaskCompletionSource _hasTracks = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _sessionId;

    /// <summary>The session's wall clock (<see cref="SessionAnchor"/>); whether it came from the tier above, which overrides one decided here.</summary>
    private DateTimeOffset? _anchor;
    private bool _anchorFromUpstream;
    private bool _isArchive;
    private readonly Dictionary<string, ImmutableArray<string>> _connections = new(StringComparer.Ordinal);

    /// <summary>How the last connection carrying each track ended; the stream is over only when every track's ended with end of stream.</summary>
    private readonly Dictionary<string, IngestEnd> _trackEnds = new(StringComparer.Ordinal);
    private readonly List<(string Key, TrackInfo Info)> _tracks = [];
    private bool _exists;
    private PublishingPointState _state = PublishingPointState.Idle;
    private PublishingPointSettings _settings = options.Value.Defaults;
    private long _epoch;
    private DateTimeOffset? _lastStateChange;
    private readonly ManifestCache _manifestCache = new();
    private volatile PointView _view = PointView.Missing;

    /// <summary>How long the first viewer of an on-demand point waits for its first fragments.</summary>
    private static readonly TimeSpan OnDemandStartWait = TimeSpan.FromSeconds(10);

    private string PrimaryKey => this.GetPrimaryKeyString();

    /// <summary>A track of this point, placed on this silo if it is not active yet (<see cref="PlaceHere"/>).</summary>
    private ITrackGrain Track(string key)
    {
        PlaceHere();
        return GrainFactory.GetGrain<ITrackGrain>(key);
    }

    /// <summary>
    /// Makes this silo the placement hint of the calls that follow in this turn: the point's own grains (tracks, push
    /// outputs, pull input) are then placed here without the director asking this point, which could not answer while it
    /// is still activating.
    /// </summary>
    private void PlaceHere() => RequestContext.Set(IPlacementDirector.PlacementHintKey, GrainContext.Address.SiloAddress!);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        running.Started(this.GetGrainId());
        if (archives.IsPlaybackPath(PrimaryKey) && await archives.TryLoadAsync(PrimaryKey, cancellationToken) is { } archived)
        {
            await LoadArchiveAsync(archived);
            return;
        }

        // Settings saved through the admin API are newer than the configuration file's starting values.
        var stored = await LoadStoredAsync(cancellationToken);
        if (stored is not null || options.Value.Points.TryGetValue(PrimaryKey, out stored))
        {
            _exists = true;
            _settings = stored;
            await UpdatePullInputAsync();
            Publish();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        running.Stopped(this.GetGrainId());
        usage.SetLive(PrimaryKey, false);
        await StopPullInputAsync();
        foreach (var follower in _followers)
        {
            await follower.DisposeAsync();
        }

        _followers.Clear();
    }

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    public Task<PublishingPointStatus> GetStatusAsync() => StatusAsync(_view);

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

        await store.SaveAsync(PrimaryKey, settings);
        await UpdatePullInputAsync();

        if (dvrChanged)
        {
            foreach (var (key, info) in _tracks)
            {
                await Track(key).BindAsync(Binding(info));
            }
        }

        Publish();
        return await StatusAsync(_view);
    }

    public Task<PublishingPointStatus> StartAsync()
    {
        _exists = true;
        if (_state is PublishingPointState.Idle or PublishingPointState.Stopped or PublishingPointState.Shutdown)
        {
            ChangeState(PublishingPointState.Starting);
        }

        Publish();
        return StatusAsync(_view);
    }

    public async Task<PublishingPointStatus> StopAsync()
    {
        if (_exists && _state is PublishingPointState.Starting or PublishingPointState.Started or PublishingPointState.Stopping)
        {
            await EndSessionAsync();
        }

        return await StatusAsync(_view);
    }

    public async Task<PublishingPointStatus> ShutdownAsync()
    {
        if (_exists && _state != PublishingPointState.Shutdown)
        {
            await DropSessionAsync(PublishingPointState.Shutdown);
        }

        return await StatusAsync(_view);
    }

    public async Task RemoveAsync()
    {
        if (!_exists)
        {
            return;
        }

        _onDemandRunning = false;
        StopIdleTimer();
        await StopPullInputAsync();
        _pullInputSettings = null;
        await DropSessionAsync(PublishingPointState.Idle);
        await store.DeleteAsync(PrimaryKey);
        _exists = false;
        _settings = options.Value.Defaults;
        Publish();
        LogRemoved(PrimaryKey);
        DeactivateOnIdle();
    }

    public async Task<bool> DemandAsync(TimeSpan wait)
    {
        if (_exists && !_isArchive && _settings.PullInput is { OnDemand: true } pull)
        {
            _demandedAt = timeProvider.GetUtcNow();
            if (!_onDemandRunning)
            {
                await StartOnDemandAsync(pull);
            }

            if (_onDemandReady)
            {
                return !_view.TrackKeys.IsEmpty;
            }

            // The first viewers wait for the input's first fragments; after one wait with tracks, nobody waits again.
            var arrived = await WaitForFragmentsAsync(wait);
            _onDemandReady = _onDemandRunning && !_view.TrackKeys.IsEmpty;
            return arrived;
        }

        return await WaitForFragmentsAsync(wait);
    }

    /// <summary>A viewer asked for an on-demand point whose input is not running: it starts, and the idle check with it.</summary>
    private async Task StartOnDemandAsync(PullInputSettings pull)
    {
        _onDemandRunning = true;
        _onDemandRun++;
        LogOnDemand(PrimaryKey, "a viewer asked");
        await UpdatePullInputAsync();
        var period = TimeSpan.FromTicks(Math.Clamp(pull.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _idleTimer ??= this.RegisterGrainTimer(CheckIdleAsync, period, period);
    }

    /// <summary>Stops an on-demand input nobody asked for within its idle timeout; the point drops its DVR and waits for the next viewer.</summary>
    private async Task CheckIdleAsync(CancellationToken cancellationToken)
    {
        if (_settings.PullInput is not { OnDemand: true } pull || !_onDemandRunning)
        {
            _onDemandRunning = false;
            _onDemandReady = false;
            StopIdleTimer();
            return;
        }

        if (timeProvider.GetUtcNow() - _demandedAt < pull.IdleTimeout)
        {
            return;
        }

        _onDemandRunning = false;
        _onDemandReady = false;
        StopIdleTimer();
        LogOnDemand(PrimaryKey, $"no viewer for {pull.IdleTimeout.TotalSeconds:0.#} s; stopping");
        var run = _onDemandRun;
        await UpdatePullInputAsync();
        if (run == _onDemandRun && !_onDemandRunning)
        {
            // Unless a viewer came back meanwhile (then the input runs on, resuming the session it has).
            await DropSessionAsync(PublishingPointState.Idle);
        }
    }

    private void StopIdleTimer()
    {
        _idleTimer?.Dispose();
        _idleTimer = null;
    }

    /// <summary>Waits up to <paramref name="wait"/> for the point to have tracks, each with a fragment; whether it has them.</summary>
    private async Task<bool> WaitForFragmentsAsync(TimeSpan wait)
    {
        var deadline = timeProvider.GetUtcNow() + wait;
        if (_view.TrackKeys.IsEmpty && wait > TimeSpan.Zero)
        {
            try
            {
                await _hasTracks.Task.WaitAsync(wait, timeProvider);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        foreach (var key in _view.TrackKeys)
        {
            var left = deadline - timeProvider.GetUtcNow();
            var read = await Track(key).ReadFragmentsAfterAsync(long.MinValue, 1, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (read.Fragments.IsEmpty)
            {
                return false;
            }
        }

        return !_view.TrackKeys.IsEmpty;
    }

    /// <summary>
    /// A publisher pushes to a restreamed point: a stream published here wins over the source's (seed 004), so the point
    /// stops restreaming, drops the source's session and becomes this node's own; the restreamer then leaves it alone.
    /// </summary>
    private async Task BecomeLocalAsync(string source, string? publisher)
    {
        LogBecameLocal(PrimaryKey, source, publisher);
        _onDemandRunning = false;
        StopIdleTimer();
        _settings = _settings with { RestreamedFrom = null, PullInput = null };
        await store.SaveAsync(PrimaryKey, _settings);
        await UpdatePullInputAsync();
        if (_state is not PublishingPointState.Idle)
        {
            await DropSessionAsync(PublishingPointState.Idle);
        }
    }

    /// <summary>Ends the session and drops its DVR; the point is then in <paramref name="state"/>.</summary>
    private async Task DropSessionAsync(PublishingPointState state)
    {
        _epoch++;
        foreach (var (key, _) in _tracks)
        {
            await Track(key).ClearAsync(_epoch);
        }

        _tracks.Clear();
        _connections.Clear();
        _trackEnds.Clear();
        if (state == PublishingPointState.Idle)
        {
            _sessionId = null;
            _anchor = null;
        }

        ChangeState(state);
        Publish();
    }

    public Task<IngestAdmission> ProbeIngestAsync(string? eventId, bool createIfMissing) =>
        Task.FromResult(Admission(eventId, null, createIfMissing, out _) ?? new IngestAdmission(true, 200, null, _epoch, []));

    public async Task<IngestAdmission> OpenIngestAsync(IngestOpening opening, bool createIfMissing)
    {
        if (_settings.RestreamedFrom is { } source && !opening.FromPullInput)
        {
            // Only a push this node would take as a new session detaches the point: one refused leaves it restreamed.
            if ((opening.Tracks.Length > options.Value.MaxTracksPerPoint
                    ? IngestAdmission.Refuse(400, $"Publishing point '{PrimaryKey}' accepts at most {options.Value.MaxTracksPerPoint} tracks.")
                    : NodeQuota()) is { } refused)
            {
                LogIngestRefused(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, refused.StatusCode, refused.Reason);
                return refused;
            }

            await BecomeLocalAsync(source, opening.RemoteAddress);
        }

        if (Admission(opening.EventId, opening.UpstreamSessionId, createIfMissing, out var freshSession) is { } refusal)
        {
            LogIngestRefused(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, refusal.StatusCode, refusal.Reason);
            return refusal;
        }

        var newTracks = opening.Tracks.Count(t => !_tracks.Exists(known => known.Key == Key(t)));
        if (!freshSession && _tracks.Count + newTracks > options.Value.MaxTracksPerPoint
            || freshSession && opening.Tracks.Length > options.Value.MaxTracksPerPoint)
        {
            // Before the point is created: a refused push leaves nothing behind.
            var refused = IngestAdmission.Refuse(400, $"Publishing point '{PrimaryKey}' accepts at most {options.Value.MaxTracksPerPoint} tracks.");
            LogIngestRefused(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, refused.StatusCode, refused.Reason);
            return refused;
        }

        var created = !_exists;
        if (created)
        {
            _exists = true;
            LogCreated(PrimaryKey);
        }

        if (freshSession)
        {
            await StartSessionAsync(opening.EventId, opening.UpstreamSessionId);
        }

        if (opening.Anchor is { } upstream && (!_anchorFromUpstream || _anchor != upstream))
        {
            await AdoptAnchorAsync(upstream, fromUpstream: true);
        }

        var keys = ImmutableArray.CreateBuilder<string>(opening.Tracks.Length);
        foreach (var track in opening.Tracks)
        {
            var key = Key(track);
            keys.Add(key);
            var added = !_tracks.Exists(known => known.Key == key);
            if (added)
            {
                _tracks.Add((key, track));
                LogTrackAdded(PrimaryKey, track.Kind, track.Name, track.Bitrate, track.FourCC);
            }

            await Track(key).BindAsync(Binding(track));
            if (added)
            {
                foreach (var follower in _followers)
                {
                    await follower.OnTrackAddedAsync(key, track);
                }
            }
        }

        _connections[opening.ConnectionId] = keys.MoveToImmutable();
        foreach (var key in _connections[opening.ConnectionId])
        {
            _trackEnds.Remove(key);
        }

        if (_state != PublishingPointState.Started)
        {
            ChangeState(PublishingPointState.Started);
        }

        LogIngestOpened(PrimaryKey, opening.ConnectionId, opening.RemoteAddress, opening.StreamId, opening.Tracks.Length, _epoch);
        Publish();
        return new IngestAdmission(true, 200, null, _epoch, _connections[opening.ConnectionId]) { Anchor = _anchor, Created = created };
    }

    public async Task CloseIngestAsync(string connectionId, IngestEnd end)
    {
        if (!_connections.Remove(connectionId, out var keys))
        {
            return;
        }

        foreach (var key in keys)
        {
            _trackEnds[key] = end;
        }

        LogIngestClosed(PrimaryKey, connectionId, end);
        if (_connections.Count == 0 && StreamIsOver() && _state == PublishingPointState.Started)
        {
            await EndSessionAsync();
        }
        else
        {
            Publish();
        }
    }

    /// <summary>
    /// Whether the encoder ended every track of the session: ffmpeg ends its other outputs with an mfra when one output's
    /// connection fails, and that track's reconnect must find the point still Started. A track whose connection never
    /// finished opening (its gateway gave up) has not ended.
    /// </summary>
    private bool StreamIsOver() =>
        _tracks.Count > 0 && _tracks.TrueForAll(t => _trackEnds.TryGetValue(t.Key, out var end) && end == IngestEnd.EndOfStream);

    public Task<ManifestDocument?> GetManifestAsync(ManifestFormat format) => GetDocumentAsync(new ManifestKey(format));

    public Task<ManifestDocument?> GetMediaPlaylistAsync(string trackName, int bitrate, ManifestFormat format) =>
        format is ManifestFormat.Hls or ManifestFormat.HlsTs
            ? GetDocumentAsync(new ManifestKey(format, trackName, bitrate))
            : Task.FromResult<ManifestDocument?>(null);

    private async Task<ManifestDocument?> GetDocumentAsync(ManifestKey key)
    {
        if (_settings.PullInput is { OnDemand: true })
        {
            await DemandAsync(OnDemandStartWait);
        }

        var view = _view;
        if (!view.Exists || view.State is PublishingPointState.Idle or PublishingPointState.Shutdown || view.TrackKeys.IsEmpty)
        {
            return null;
        }

        var timelines = new TrackTimeline[view.TrackKeys.Length];
        for (var i = 0; i < timelines.Length; i++)
        {
            timelines[i] = await Track(view.TrackKeys[i]).GetTimelineAsync();
        }

        return _manifestCache.Get(key, view, timelines);
    }

    /// <summary>Null when a new encoder may connect; otherwise the refusal. Sets <paramref name="freshSession"/> when it would start a new session.</summary>
    private IngestAdmission? Admission(string? eventId, string? upstreamSessionId, bool createIfMissing, out bool freshSession)
    {
        freshSession = false;
        if (_isArchive || archives.IsPlaybackPath(PrimaryKey))
        {
            return IngestAdmission.Refuse(403, $"'{PrimaryKey}' is an archived recording, served read-only; push to a live point.");
        }

        if (!_exists && !createIfMissing)
        {
            return IngestAdmission.Refuse(404, $"There is no publishing point '{PrimaryKey}', and this push may not create it (auto-create is off, or its address has used its quota of created points); create it through the admin API first.");
        }

        var newEvent = eventId is not null && !string.Equals(eventId, _settings.EventId, StringComparison.Ordinal);
        switch (_state)
        {
            case PublishingPointState.Shutdown:
                return IngestAdmission.Refuse(403, $"Publishing point '{PrimaryKey}' is shut down; start it through the admin API.");
            case PublishingPointState.Stopped when !_settings.RestartOnEncoderReconnect && !newEvent
                && (upstreamSessionId is null || upstreamSessionId == _sessionId):
                return IngestAdmission.Refuse(
                    409,
                    $"Publishing point '{PrimaryKey}' is stopped and serves its recording; push with a new event id (.../Events(id)/Streams(...)), enable restartOnEncoderReconnect, or start it through the admin API.");
            case PublishingPointState.Idle or PublishingPointState.Starting or PublishingPointState.Stopped:
                freshSession = true;
                return NodeQuota();
            default:
                freshSession = newEvent;
                return null;
        }
    }

    /// <summary>
    /// Refuses a new live point (503, the encoder retries) while this silo is at its point or DVR byte limit, so memory
    /// never runs out under the points already live; they are not affected.
    /// </summary>
    private IngestAdmission? NodeQuota()
    {
        if (usage.IsLive(PrimaryKey))
        {
            return null;
        }

        var limits = options.Value;
        return usage.LivePoints >= limits.MaxLivePointsPerNode
            ? IngestAdmission.Refuse(503, $"This node already has {usage.LivePoints} live publishing points (Cluster:PublishingPoints:MaxLivePointsPerNode); retry later or on another node.")
            : usage.DvrBytes >= limits.EffectiveMaxDvrBytesPerNode
                ? IngestAdmission.Refuse(503, $"This node holds {usage.DvrBytes} bytes of DVR, its limit (Cluster:PublishingPoints:MaxDvrBytesPerNode); retry later or on another node.")
                : null;
    }

    public async Task<DateTimeOffset?> ProposeAnchorAsync(long sessionEpoch, DateTimeOffset anchor)
    {
        if (sessionEpoch == _epoch && _anchor is null)
        {
            await AdoptAnchorAsync(anchor, fromUpstream: false);
        }

        return sessionEpoch == _epoch ? _anchor : null;
    }

    /// <summary>Makes <paramref name="anchor"/> the session's wall clock and tells every track.</summary>
    private async Task AdoptAnchorAsync(DateTimeOffset anchor, bool fromUpstream)
    {
        _anchor = anchor;
        _anchorFromUpstream = fromUpstream;
        foreach (var (key, _) in _tracks)
        {
            await Track(key).SetAnchorAsync(_epoch, anchor);
        }

        LogAnchor(PrimaryKey, _epoch, SessionAnchor.Format(anchor), fromUpstream ? "the tier above" : "its first fragment");
        Publish();
    }

    private async Task StartSessionAsync(string? eventId, string? upstreamSessionId)
    {
        _epoch++;
        _anchor = null;
        _anchorFromUpstream = false;
        foreach (var (key, _) in _tracks)
        {
            await Track(key).ClearAsync(_epoch);
        }

        _tracks.Clear();
        _connections.Clear();
        _trackEnds.Clear();
        if (eventId is not null)
        {
            _settings = _settings with { EventId = eventId };
        }

        // The tiers below learn of a restart through this id: an upstream's id when a server feeds us, else the event's,
        // else a fresh one (two ingest nodes fed by redundant encoders then differ, and a Started origin joins either).
        _sessionId = upstreamSessionId ?? (eventId is not null ? $"event:{eventId}" : Guid.NewGuid().ToString("N"));

        // Followers of the previous session end by themselves once they see its tracks cleared (the archive finalizes).
        _followers.Clear();
        var session = new PointSession(PrimaryKey, _epoch, _sessionId, _settings.EventId, timeProvider.GetUtcNow(), _settings, GrainFactory);
        PlaceHere();
        foreach (var factory in followerFactories)
        {
            _followers.AddRange(await factory.CreateAsync(session));
        }

        LogSessionStarted(PrimaryKey, _epoch, _settings.EventId);
    }

    /// <summary>An archived session becomes a Stopped point holding all of it, so every output format serves it as on-demand.</summary>
    private async Task LoadArchiveAsync(ArchivedSession archived)
    {
        _isArchive = true;
        _exists = true;
        _epoch = 1;
        _sessionId = "archive";
        _settings = new PublishingPointSettings { DvrWindowLength = TimeSpan.Zero, EventId = archived.EventId, AllowServerConnections = false };
        foreach (var track in archived.Tracks)
        {
            var key = Key(track.Info);
            var grain = Track(key);
            await grain.BindAsync(Binding(track.Info));
            foreach (var fragment in track.Fragments)
            {
                await grain.AddFragmentAsync(_epoch, fragment);
            }

            await grain.SetEndedAsync(_epoch, true);
            _tracks.Add((key, track.Info));
        }

        ChangeState(PublishingPointState.Stopped);
        LogArchiveLoaded(PrimaryKey, archived.Tracks.Length, archived.Finalized);
        Publish();
    }

    private async Task<PublishingPointSettings?> LoadStoredAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.LoadAsync(PrimaryKey, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A store that is down must not keep the point from serving; configured or default settings apply.
            LogStoreFailed(PrimaryKey, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Starts, replaces or stops the point's pull input grain when its settings changed; an on-demand input runs only
    /// while viewers ask (<see cref="DemandAsync"/>).
    /// </summary>
    private async Task UpdatePullInputAsync()
    {
        var wanted = _settings.PullInput is { } configured && (!configured.OnDemand || _onDemandRunning) ? configured : null;
        if (_pullInput is null ? wanted is null : wanted?.SameAs(_pullInputSettings) == true)
        {
            return;
        }

        var previous = _pullInput;
        _pullInputSettings = wanted;
        _pullInput = null;
        if (wanted is { } pull)
        {
            var resolved = PullInputFactory.Resolve(PrimaryKey, pull);
            PlaceHere();
            _pullInput = GrainFactory.GetGrain<IPullInputGrain>(TierGrainKey.Of(PrimaryKey, resolved.Urls[0]));
            await _pullInput.StartAsync(resolved);
        }

        if (previous is not null && !previous.Equals(_pullInput))
        {
            await previous.StopAsync();
        }
    }

    private async Task StopPullInputAsync()
    {
        if (_pullInput is { } pull)
        {
            _pullInput = null;
            await pull.StopAsync();
        }
    }

    private async Task EndSessionAsync()
    {
        ChangeState(PublishingPointState.Stopping);
        foreach (var (key, _) in _tracks)
        {
            await Track(key).SetEndedAsync(_epoch, true);
        }

        ChangeState(PublishingPointState.Stopped);
        Publish();
    }

    private string Key(TrackInfo track) => PublishingPointPath.TrackKey(PrimaryKey, track.Name, track.Bitrate);

    private TrackBinding Binding(TrackInfo info) => new(_epoch, info, _settings.DvrWindowLength, _settings.LookaheadCount) { Anchor = _anchor };

    private void ChangeState(PublishingPointState state)
    {
        LogStateChanged(PrimaryKey, _state, state);
        _state = state;
        usage.SetLive(PrimaryKey, state == PublishingPointState.Started);
        _lastStateChange = timeProvider.GetUtcNow();
    }

    private void Publish()
    {
        if (_exists)
        {
            DelayDeactivation(TimeSpan.MaxValue);
        }

        if (_tracks.Count > 0)
        {
            _hasTracks.TrySetResult();
        }
        else if (_hasTracks.Task.IsCompleted)
        {
            _hasTracks = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _view = new PointView(
            _exists,
            _state,
            _settings,
            _epoch,
            _connections.Count,
            [.. _tracks.Select(t => t.Key)],
            [.. _tracks.Select(t => t.Info)],
            _lastStateChange)
        {
            SessionId = _sessionId,
            Followers = [.. _followers],
            PullInput = _pullInput,
            Anchor = _anchor,
        };
    }

    /// <summary>The status of <paramref name="view"/>, with the statistics of its push outputs and pull input (grains on this silo).</summary>
    private async Task<PublishingPointStatus> StatusAsync(PointView view)
    {
        var pushes = view.Followers.IsEmpty ? [] : await Task.WhenAll(view.Followers.Select(f => f.GetPushStatusAsync().AsTask()));
        var pull = view.PullInput is { } input ? await input.GetStatusAsync() : null;
        return new(PrimaryKey, view.Exists, view.State, view.Settings, view.Epoch, view.ActiveConnections, view.Tracks, view.LastStateChange)
        {
            SessionId = view.SessionId,
            PullInput = pull,
            PushOutputs = [.. pushes.OfType<PushOutputStatus>()],
            Silo = new SiloInfo(silo.Name, silo.SiloAddress.ToParsableString()),
            Anchor = view.Anchor,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: session {Epoch}'s media time 0 is {Anchor} UTC, from {Source}")]
    private partial void LogAnchor(string point, long epoch, string anchor, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: {Publisher} publishes here, so it is no longer restreamed from {Source}")]
    private partial void LogBecameLocal(string point, string source, string? publisher);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: removed (settings forgotten, DVR dropped)")]
    private partial void LogRemoved(string point);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: on-demand input: {What}")]
    private partial void LogOnDemand(string point, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing point {Point}: reading its stored settings failed ({Reason}); using the configured ones")]
    private partial void LogStoreFailed(string point, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing point {Point}: serving an archived session ({TrackCount} track(s), finalized: {Finalized})")]
    private partial void LogArchiveLoaded(string point, int trackCount, bool finalized);

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
