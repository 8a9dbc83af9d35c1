using System.Collections.Immutable;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Sessions;
using Cluster.Grains.Storage;
using Cluster.Media;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Archive;

/// <summary>
/// Finds and reads archived sessions. The archive folders searched are the default one (<c>archive</c> under the node's
/// data folder), those the configuration names (point defaults and configured points), and every folder a recorder of
/// this node wrote to, remembered in <c>archive-folders.txt</c> in the data folder so a restarted node still finds them.
/// </summary>
internal sealed partial class ArchiveLibrary : IArchiveLibrary
{
    /// <summary>The data folder's list of archive folders recorders used, one absolute path a line.</summary>
    internal const string FoldersFileName = "archive-folders.txt";

    private const string ArchiveFileExtension = ".ismv";

    /// <summary>
    /// Archive files were written by this node, from fragments ingest already accepted; the mfra of a long session
    /// (one tfra entry per fragment) is over the ingest reader's default 1 MiB header limit.
    /// </summary>
    private static readonly IngestLimits ReadLimits = new()
    {
        MaxHeaderBoxSize = 256 * 1024 * 1024,
        MaxFragmentSize = 1024 * 1024 * 1024,
        MaxTracks = 32,
        MaxSamplesPerFragment = 10_000_000,
    };

    private readonly IConfiguration _configuration;
    private readonly ArchiveOptions _options;
    private readonly ILogger<ArchiveLibrary> _logger;
    private readonly string _foldersFile;
    private readonly Lock _gate = new();
    private readonly List<string> _roots = [];

    public ArchiveLibrary(IConfiguration configuration, IOptions<ArchiveOptions> options, IOptions<PublishingPointOptions> points, ILogger<ArchiveLibrary> logger)
    {
        _configuration = configuration;
        _options = options.Value;
        _logger = logger;
        _foldersFile = Path.Combine(NodeDataPath.Resolve(configuration), FoldersFileName);
        _roots.Add(ResolveFolder(new ArchiveSettings()));
        if (points.Value.Defaults.Archive is { } defaults)
        {
            AddRoot(ResolveFolder(defaults));
        }

        foreach (var settings in points.Value.Points.Values)
        {
            if (settings.Archive is { } archive)
            {
                AddRoot(ResolveFolder(archive));
            }
        }

        foreach (var folder in ReadRememberedFolders())
        {
            AddRoot(folder);
        }
    }

    /// <summary>The archive folders searched, the default first.</summary>
    public IReadOnlyList<string> Roots
    {
        get
        {
            lock (_gate)
            {
                return [.. _roots];
            }
        }
    }

    public bool IsPlaybackPath(string pointPath) => TryGetArchivedPath(pointPath, out _);

    public async Task<ArchivedSession?> TryLoadAsync(string pointPath, CancellationToken ct)
    {
        if (!TryGetArchivedPath(pointPath, out var relative))
        {
            return null;
        }

        foreach (var root in Roots)
        {
            var folder = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (!IsInside(folder, root) || !Directory.Exists(folder))
            {
                continue;
            }

            try
            {
                if (await LoadFolderAsync(folder, ct).ConfigureAwait(false) is { } session)
                {
                    LogLoaded(pointPath, folder, session.Tracks.Length, session.Finalized);
                    return session;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogLoadFailed(pointPath, folder, e.Message);
            }
        }

        return null;
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) => Task.Run<IReadOnlyList<string>>(
        () =>
        {
            var paths = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var root in Roots)
            {
                if (!Directory.Exists(root))
                {
                    continue;
                }

                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 64 };
                foreach (var folder in Directory.EnumerateDirectories(root, "*", options))
                {
                    ct.ThrowIfCancellationRequested();
                    if (!IsSessionFolder(folder))
                    {
                        continue;
                    }

                    var relative = Path.GetRelativePath(root, folder).Replace(Path.DirectorySeparatorChar, '/');
                    var playback = $"{_options.PlaybackPath}/{relative}";
                    if (TryGetArchivedPath(playback, out _))
                    {
                        paths.Add(playback);
                    }
                }
            }

            return [.. paths];
        },
        ct);

    /// <summary>The archive folder <paramref name="settings"/> name, made absolute.</summary>
    public string ResolveFolder(ArchiveSettings settings) => NodeDataPath.Under(_configuration, settings.Folder);

    /// <summary>
    /// Creates the folder a session is recorded into, <c>{folder}/{point path}/{session name}</c>, and remembers its archive
    /// folder. The name is the event id (made safe for a path) or the start time in UTC (<c>yyyyMMdd'T'HHmmss'Z'</c>); when
    /// a folder of that name exists already (the same event recorded again), <c>-2</c>, <c>-3</c>... is appended.
    /// </summary>
    /// <returns>The folder and the session name.</returns>
    public (string Folder, string SessionName) CreateSessionFolder(PointSession session, ArchiveSettings settings)
    {
        if (PublishingPointPath.Validate(session.PointPath) is { } reason)
        {
            throw new ArgumentException(reason, nameof(session));
        }

        var root = ResolveFolder(settings);
        Remember(root);
        var pointFolder = Path.Combine(root, session.PointPath.Replace('/', Path.DirectorySeparatorChar));
        var name = SessionName(session);
        lock (_gate)
        {
            var candidate = name;
            for (var n = 2; Directory.Exists(Path.Combine(pointFolder, candidate)); n++)
            {
                candidate = $"{name}-{n}";
            }

            var folder = Directory.CreateDirectory(Path.Combine(pointFolder, candidate)).FullName;
            return (folder, candidate);
        }
    }

    /// <summary>The playback path of a session recorded as <paramref name="sessionName"/> for <paramref name="pointPath"/>.</summary>
    public string PlaybackPathOf(string pointPath, string sessionName) => $"{_options.PlaybackPath}/{pointPath}/{sessionName}";

    /// <summary>The event id when it is usable as a folder name, else the session's start.</summary>
    internal static string SessionName(PointSession session)
    {
        if (session.EventId is { Length: > 0 } eventId)
        {
            var safe = ArchiveTrackWriter.SafeName(eventId);
            if (PublishingPointPath.Validate(safe) is null)
            {
                return safe;
            }
        }

        return session.StartedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Whether a folder holds a recorded session (its index or any archive file).</summary>
    private static bool IsSessionFolder(string folder) =>
        File.Exists(Path.Combine(folder, ArchiveIndex.FileName))
        || Directory.EnumerateFiles(folder, "*" + ArchiveFileExtension).Any();

    private static bool IsInside(string folder, string root)
    {
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return folder.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Splits <c>{PlaybackPath}/{point path}/{session name}</c>: <paramref name="relative"/> is <c>{point path}/{session name}</c>,
    /// checked like a point path (so it cannot leave the archive folder).
    /// </summary>
    private bool TryGetArchivedPath(string pointPath, out string relative)
    {
        relative = "";
        var prefix = _options.PlaybackPath + "/";
        if (pointPath is null || !pointPath.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = pointPath[prefix.Length..];
        if (!rest.Contains('/', StringComparison.Ordinal) || PublishingPointPath.Validate(rest) is not null)
        {
            return false;
        }

        relative = rest;
        return true;
    }

    private async Task<ArchivedSession?> LoadFolderAsync(string folder, CancellationToken ct)
    {
        var index = await ReadIndexAsync(folder, ct).ConfigureAwait(false);
        var files = Directory.GetFiles(folder, "*" + ArchiveFileExtension);
        Array.Sort(files, StringComparer.Ordinal);

        // Per quality level, each file's fragments; rolled-over files are put in time order, whatever their names.
        var levels = new Dictionary<(TrackKind Kind, string Name, int Bitrate), (TrackInfo Info, List<List<Fragment>> Parts)>();
        foreach (var file in files)
        {
            var content = await ReadFileAsync(file, ct).ConfigureAwait(false);
            if (content is null)
            {
                continue;
            }

            foreach (var (info, fragments) in content)
            {
                var key = (info.Kind, info.Name, info.Bitrate);
                if (!levels.TryGetValue(key, out var level))
                {
                    level = (info, []);
                    levels[key] = level;
                }

                if (fragments.Count > 0)
                {
                    level.Parts.Add(fragments);
                }
            }
        }

        var tracks = ImmutableArray.CreateBuilder<ArchivedTrack>();
        foreach (var ((kind, name, bitrate), (info, parts)) in levels.OrderBy(l => l.Key.Kind).ThenBy(l => l.Key.Name, StringComparer.Ordinal).ThenByDescending(l => l.Key.Bitrate))
        {
            var fragments = ImmutableArray.CreateBuilder<Fragment>(parts.Sum(p => p.Count));
            var end = long.MinValue;
            foreach (var part in parts.OrderBy(p => p[0].Time))
            {
                foreach (var fragment in part)
                {
                    // Overlapping files (never written by a recorder) cannot both be played: the earlier one wins.
                    if (fragment.Time >= end)
                    {
                        fragments.Add(fragment);
                        end = fragment.End;
                    }
                }
            }

            if (fragments.Count > 0)
            {
                tracks.Add(new ArchivedTrack(info, fragments.ToImmutable()));
            }
        }

        if (tracks.Count == 0)
        {
            return null;
        }

        return new ArchivedSession(index?.EventId, tracks.ToImmutable())
        {
            StartedAt = index?.StartedAt,
            Finalized = index?.Finalized ?? false,
        };
    }

    /// <summary>
    /// Reads one archive file: its tracks and every fragment wholly present. A file cut short (its recorder stopped
    /// mid-write) yields the fragments before the cut; one without a readable header yields null.
    /// </summary>
    private async Task<List<(TrackInfo Info, List<Fragment> Fragments)>?> ReadFileAsync(string path, CancellationToken ct)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,

            // The recorder may still be appending to it.
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: false));
        try
        {
            var reader = new SmoothIngestReader(pipe, ReadLimits);
            IngestHeader header;
            try
            {
                header = await reader.ReadHeaderAsync(ct).ConfigureAwait(false);
            }
            catch (MediaFormatException e)
            {
                LogUnreadableFile(path, e.Message);
                return null;
            }

            var byTrackId = header.Tracks.ToDictionary(t => t.TrackId, t => (Info: t, Fragments: new List<Fragment>()));
            try
            {
                while (await reader.ReadFragmentAsync(ct).ConfigureAwait(false) is { } read)
                {
                    if (byTrackId.TryGetValue(read.TrackId, out var track))
                    {
                        track.Fragments.Add(read.Fragment);
                    }
                }

                if (!reader.EndedWithMfra)
                {
                    LogUnfinishedFile(path, byTrackId.Values.Sum(t => t.Fragments.Count));
                }
            }
            catch (MediaFormatException e)
            {
                LogTruncatedFile(path, byTrackId.Values.Sum(t => t.Fragments.Count), e.Message);
            }

            return [.. header.Tracks.Select(t => byTrackId[t.TrackId])];
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task<ArchiveIndex?> ReadIndexAsync(string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, ArchiveIndex.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<ArchiveIndex>(stream, ArchiveIndex.JsonOptions, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            LogUnreadableIndex(path, e.Message);
            return null;
        }
    }

    /// <summary>Adds an archive folder a recorder is about to write to, persisting it for the next start when it is new.</summary>
    private void Remember(string root)
    {
        if (!AddRoot(root))
        {
            return;
        }

        try
        {
            lock (_gate)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_foldersFile)!);
                File.AppendAllLines(_foldersFile, [root]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogRememberFailed(root, _foldersFile, e.Message);
        }
    }

    private bool AddRoot(string root)
    {
        lock (_gate)
        {
            if (_roots.Contains(root, StringComparer.Ordinal))
            {
                return false;
            }

            _roots.Add(root);
            return true;
        }
    }

    private IEnumerable<string> ReadRememberedFolders()
    {
        try
        {
            return File.Exists(_foldersFile)
                ? [.. File.ReadAllLines(_foldersFile).Select(l => l.Trim()).Where(l => l.Length > 0 && Path.IsPathRooted(l))]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogRememberedUnreadable(_foldersFile, e.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive {PlaybackPath}: loaded {TrackCount} track(s) from {Folder} (finalized: {Finalized})")]
    private partial void LogLoaded(string playbackPath, string folder, int trackCount, bool finalized);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive {PlaybackPath}: could not read {Folder}: {Reason}")]
    private partial void LogLoadFailed(string playbackPath, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive file {File} has no readable header and is skipped: {Reason}")]
    private partial void LogUnreadableFile(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive file {File} has no mfra (still being recorded, or its recording was not finalized); its {FragmentCount} fragment(s) are used")]
    private partial void LogUnfinishedFile(string file, int fragmentCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive file {File} ends inside a fragment (still being written, or its recorder stopped mid-write); the {FragmentCount} whole fragment(s) before it are used: {Reason}")]
    private partial void LogTruncatedFile(string file, int fragmentCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive index {File} is unreadable and is ignored: {Reason}")]
    private partial void LogUnreadableIndex(string file, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not remember archive folder {Folder} in {File}; a restarted node will not find its sessions unless configured: {Reason}")]
    private partial void LogRememberFailed(string folder, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The list of archive folders {File} is unreadable: {Reason}")]
    private partial void LogRememberedUnreadable(string file, string reason);
}
