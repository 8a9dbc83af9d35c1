using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Sessions;
using Cluster.Media.Model;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Archive;

/// <summary>
/// Records one session of a point into its archive folder (<c>{folder}/{point path}/{session name}</c>), like IIS Live
/// Smooth Streaming's archiving: one loop per track follows the track's stream
/// (<see cref="ITrackGrain.ReadFragmentsAfterAsync"/>) and appends each fragment to the track's .ismv file as soon as it is
/// read. A track's recording ends when its stream ended, or when its session is over (the track was cleared or moved to
/// another session); its file then gets its mfra. Once every track has ended, the VOD manifests (.ism, .ismc) and a
/// finalized <c>archive.json</c> are written. Storage errors are logged and retried with back-off, never thrown: the
/// recorder only reads the tracks, so nothing it does can hold up ingest.
/// </summary>
internal sealed partial class ArchiveRecorder : ISessionFollower
{
    /// <summary>Fragments asked for per read.</summary>
    internal const int BatchSize = 32;

    /// <summary>How many failed attempts at writing an ended stream's last fragments are made before giving up.</summary>
    private const int AttemptsAfterEnd = 5;

    /// <summary>How many reads of a track may fail in a row (its grain unreachable) before the track's recording is given up.</summary>
    private const int MaxReadFailures = 20;

    /// <summary>How long one read waits at the live edge for the next fragment.</summary>
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly PointSession _session;
    private readonly ArchiveSettings _settings;
    private readonly ArchiveLibrary _library;
    private readonly bool _flushToDisk;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ArchiveRecorder> _logger;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _gate = new();

    /// <summary>Held while the session folder is created, so the tracks' loops create one between them.</summary>
    private readonly Lock _folderGate = new();
    private readonly List<TrackRecording> _tracks = [];
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (string Path, string Name)? _folder;
    private bool _disposed;

    public ArchiveRecorder(PointSession session, ArchiveSettings settings, ArchiveLibrary library, ArchiveOptions options, TimeProvider timeProvider, ILogger<ArchiveRecorder> logger)
    {
        _session = session;
        _settings = settings;
        _library = library;
        _flushToDisk = options.FlushToDisk;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Completes when the recorder has stopped: every track added so far ended and the archive was finalized, or the
    /// recorder was disposed. Never faults.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>The session folder, once created.</summary>
    public string? Folder
    {
        get
        {
            lock (_gate)
            {
                return _folder?.Path;
            }
        }
    }

    /// <summary>Where the archive will be served (<c>{PlaybackPath}/{point}/{session}</c>), once its folder is created.</summary>
    public string? PlaybackPath
    {
        get
        {
            lock (_gate)
            {
                return _folder is { } folder ? _library.PlaybackPathOf(_session.PointPath, folder.Name) : null;
            }
        }
    }

    ValueTask ISessionFollower.OnTrackAddedAsync(string trackKey, TrackInfo info)
    {
        OnTrackAdded(trackKey, info);
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts recording a track of the session.</summary>
    public void OnTrackAdded(string trackKey, TrackInfo info)
    {
        lock (_gate)
        {
            if (_disposed || _tracks.Exists(t => t.Key == trackKey))
            {
                return;
            }

            var track = new TrackRecording(trackKey, info);
            _tracks.Add(track);
            var token = _cancellation.Token;
            track.Loop = Task.Run(() => RecordAsync(track, token), CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loops = [.. _tracks.Select(t => t.Loop)];
        }

        await _cancellation.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        _cancellation.Dispose();
        _completion.TrySetResult();
    }

    /// <summary>One track's loop: read a batch, append it, repeat until the stream or the session is over. Never throws.</summary>
    private async Task RecordAsync(TrackRecording track, CancellationToken ct)
    {
        var grain = _session.Grains.GetGrain<ITrackGrain>(track.Key);
        var after = long.MinValue;
        var writeFailures = 0;
        var readFailures = 0;
        var complete = false;
        try
        {
            while (true)
            {
                TrackStreamRead read;
                try
                {
                    read = await grain.ReadFragmentsAfterAsync(after, BatchSize, ReadWait, ct).ConfigureAwait(false);
                    readFailures = 0;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    if (++readFailures > MaxReadFailures)
                    {
                        LogGaveUpReading(_session.PointPath, track.Key, readFailures, e.Message);
                        break;
                    }

                    LogReadFailed(_session.PointPath, track.Key, e.Message);
                    await DelayAsync(readFailures, ct).ConfigureAwait(false);
                    continue;
                }

                if (read.SessionEpoch != _session.Epoch || !read.Bound)
                {
                    // Cleared by a shutdown or a new session: what was not read (or could not be written) yet is gone with it.
                    complete = writeFailures == 0;
                    break;
                }

                var failure = await AppendAsync(track, read, after, ct).ConfigureAwait(false);
                after = failure.After;
                if (failure.Error is { } fault and not (IOException or UnauthorizedAccessException))
                {
                    // Not the storage: a fragment or codec setup the archive format cannot hold. Retrying would fail alike.
                    LogCannotArchive(_session.PointPath, track.Key, after, fault);
                    break;
                }

                if (failure.Error is { } error)
                {
                    writeFailures++;
                    LogWriteFailed(_session.PointPath, track.Key, writeFailures, error.GetType().Name, error.Message);
                    if (read.Ended && writeFailures >= AttemptsAfterEnd)
                    {
                        LogGaveUpWriting(_session.PointPath, track.Key, writeFailures);
                        break;
                    }

                    await DelayAsync(writeFailures, ct).ConfigureAwait(false);
                    continue;
                }

                writeFailures = 0;
                if (read.Ended)
                {
                    complete = true;
                    break;
                }
            }

            if (track.Writer is { } writer)
            {
                try
                {
                    writer.Finish();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    complete = false;
                    LogFinishFailed(_session.PointPath, track.Key, e.GetType().Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Disposed: the files stay as they are, every whole fragment in them readable.
            track.Writer?.Dispose();
            return;
        }
        catch (Exception e)
        {
            LogUnexpected(_session.PointPath, track.Key, e);
            track.Writer?.Dispose();
            complete = false;
        }

        await OnTrackEndedAsync(track, complete).ConfigureAwait(false);
    }

    /// <summary>Writes a batch; returns the time of the last fragment written and the error that stopped it, if any.</summary>
    private async Task<(long After, Exception? Error)> AppendAsync(TrackRecording track, TrackStreamRead read, long after, CancellationToken ct)
    {
        foreach (var fragment in read.Fragments)
        {
            ct.ThrowIfCancellationRequested();
            if (fragment.Time <= after)
            {
                continue;
            }

            bool opened;
            try
            {
                var folder = EnsureFolder();
                track.Writer ??= new ArchiveTrackWriter(folder, track.Info, _settings.SegmentLength, _flushToDisk);
                opened = track.Writer.Append(fragment);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (after, e);
            }

            after = fragment.Time;
            if (track.End is { } end && fragment.Time - end > fragment.Duration / 2)
            {
                // Whole fragments missing: the encoder skipped them, or they left the DVR window before they were read.
                LogGap(_session.PointPath, track.Key, end, fragment.Time);
            }

            track.End = fragment.End;
            if (opened)
            {
                try
                {
                    await WriteIndexAsync(finalized: false, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The index only describes the files; the next one written (at the latest when finalizing) catches up.
                    LogIndexFailed(_session.PointPath, e.GetType().Name, e.Message);
                }
            }
        }

        return (after, null);
    }

    /// <summary>Creates the session folder on first use (in a track loop, not in the point's turn: it is disk I/O).</summary>
    private string EnsureFolder()
    {
        lock (_folderGate)
        {
            if (Folder is { } existing)
            {
                return existing;
            }

            var created = _library.CreateSessionFolder(_session, _settings);
            lock (_gate)
            {
                _folder = created;
            }

            LogRecording(_session.PointPath, _session.Epoch, created.Folder);
            return created.Folder;
        }
    }

    private async Task OnTrackEndedAsync(TrackRecording track, bool complete)
    {
        bool all;
        lock (_gate)
        {
            track.Ended = true;
            track.Complete = complete;
            all = _tracks.TrueForAll(t => t.Ended);
        }

        if (!all)
        {
            return;
        }

        await FinalizeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes the VOD manifests and the final index. Never throws.</summary>
    private async Task FinalizeAsync()
    {
        TrackRecording[] tracks;
        string? folder;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            tracks = [.. _tracks];
            folder = _folder?.Path;
        }

        if (folder is null)
        {
            // Not one fragment arrived: there is nothing to finalize.
            _completion.TrySetResult();
            return;
        }

        var finalized = Array.TrueForAll(tracks, t => t.Complete);
        try
        {
            var archives = Snapshot(tracks, withTimeline: true);
            var baseName = _session.PointPath[(_session.PointPath.LastIndexOf('/') + 1)..];
            ArchiveManifests.WriteServerManifest(folder, baseName, archives);
            ArchiveManifests.WriteClientManifest(folder, baseName, archives);
            await WriteIndexAsync(finalized, CancellationToken.None).ConfigureAwait(false);
            LogFinalized(_session.PointPath, folder, archives.Count, archives.Sum(a => a.FragmentCount), finalized);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFinalizeFailed(_session.PointPath, folder, e.GetType().Name, e.Message);
        }

        _completion.TrySetResult();
    }

    private async Task WriteIndexAsync(bool finalized, CancellationToken ct)
    {
        await _indexLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            TrackRecording[] tracks;
            (string Path, string Name) folder;
            lock (_gate)
            {
                tracks = [.. _tracks];
                folder = _folder!.Value;
            }

            var index = new ArchiveIndex
            {
                PointPath = _session.PointPath,
                SessionName = folder.Name,
                SessionId = _session.SessionId,
                EventId = _session.EventId,
                StartedAt = _session.StartedAt,
                Finalized = finalized,
                FinalizedAt = finalized ? _timeProvider.GetUtcNow() : null,
                Tracks = [.. Snapshot(tracks, withTimeline: false).Select(ArchiveManifests.IndexTrack)],
            };
            ArchiveManifests.WriteIndex(folder.Path, index);
        }
        finally
        {
            _indexLock.Release();
        }
    }

    /// <summary>What the tracks that wrote anything have written, video first, each kind by name, highest bitrate first.</summary>
    private static List<TrackArchive> Snapshot(TrackRecording[] tracks, bool withTimeline) =>
        [.. tracks
            .Select(t => t.Writer?.Snapshot(withTimeline))
            .OfType<TrackArchive>()
            .Where(a => !a.Files.IsEmpty)
            .OrderBy(a => a.Info.Kind)
            .ThenBy(a => a.Info.Name, StringComparer.Ordinal)
            .ThenByDescending(a => a.Info.Bitrate)];

    private Task DelayAsync(int attempt, CancellationToken ct)
    {
        var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(attempt - 1, 16)));
        return Task.Delay(delay, _timeProvider, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive of {Point} session {Epoch}: recording into {Folder}")]
    private partial void LogRecording(string point, long epoch, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive of {Point}: {TrackCount} track(s), {FragmentCount} fragment(s) in {Folder}, finalized: {Finalized}")]
    private partial void LogFinalized(string point, string folder, int trackCount, int fragmentCount, bool finalized);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}: could not write the manifests in {Folder} ({Error}: {Reason})")]
    private partial void LogFinalizeFailed(string point, string folder, string error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive of {Point}, track {Track}: fragments from {From} to {To} are missing (never received, or gone from the DVR window before the archive read them)")]
    private partial void LogGap(string point, string track, long from, long to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive of {Point}: could not update archive.json ({Error}: {Reason})")]
    private partial void LogIndexFailed(string point, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: write failed (attempt {Attempt}; {Error}: {Reason}); retrying from the last fragment written")]
    private partial void LogWriteFailed(string point, string track, int attempt, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: could not close its file with an mfra ({Error}: {Reason}); every whole fragment in it stays readable")]
    private partial void LogFinishFailed(string point, string track, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: cannot archive what follows the fragment at {After}; the track's recording stops there")]
    private partial void LogCannotArchive(string point, string track, long after, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: gave up writing the ended stream's last fragments after {Attempts} attempts")]
    private partial void LogGaveUpWriting(string point, string track, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive of {Point}, track {Track}: reading the track failed ({Reason}); retrying")]
    private partial void LogReadFailed(string point, string track, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: gave up after {Attempts} failed reads ({Reason})")]
    private partial void LogGaveUpReading(string point, string track, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive of {Point}, track {Track}: recording stopped by an unexpected error")]
    private partial void LogUnexpected(string point, string track, Exception exception);

    private sealed class TrackRecording(string key, TrackInfo info)
    {
        public string Key { get; } = key;

        public TrackInfo Info { get; } = info;

        public Task Loop { get; set; } = Task.CompletedTask;

        /// <summary>Created with the first fragment; used by the track's loop only (and snapshotted by the others).</summary>
        public ArchiveTrackWriter? Writer { get; set; }

        /// <summary>End of the last fragment written.</summary>
        public long? End { get; set; }

        public bool Ended { get; set; }

        public bool Complete { get; set; }
    }
}
