using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Storage;

/// <summary>
/// Points' settings as one indented JSON file per point under a folder (by default <c>{Cluster:DataPath}/points</c>),
/// named after the path: <c>live/event1</c> is <c>live/event1.json</c>. A save writes a temporary file beside the
/// target and renames it over the target, so a crash leaves the old file or the new one, never half of one. A file
/// that cannot be read or parsed is logged and treated as absent: it never stops a point or the node.
/// </summary>
internal sealed partial class FilePublishingPointStore : IPublishingPointStore
{
    private const string Extension = ".json";

    /// <summary>
    /// Temporary files start with a dot and end in this, so they never end in <see cref="Extension"/> and a listing
    /// never mistakes one (or one a crash left behind) for a point.
    /// </summary>
    private const string TemporaryExtension = ".tmp";

    private static readonly EnumerationOptions Enumeration = new()
    {
        RecurseSubdirectories = true,
        MatchType = MatchType.Simple,
        IgnoreInaccessible = true,

        // On Unix a name starting with '.' counts as hidden, and a point path segment may start with one.
        AttributesToSkip = FileAttributes.None,
    };

    private readonly ILogger<FilePublishingPointStore> _logger;

    public FilePublishingPointStore(string folder, ILogger<FilePublishingPointStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(logger);
        Folder = Path.GetFullPath(folder);
        _logger = logger;
    }

    /// <summary>The folder the files are in, absolute; created with the first save.</summary>
    public string Folder { get; }

    public Task<PublishingPointSettings?> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        return ReadAsync(path, FileOf(path), cancellationToken);
    }

    public async Task SaveAsync(string path, PublishingPointSettings settings, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckSave(path, settings);
        var file = FileOf(path);
        var json = PublishingPointSettingsJson.SerializeToUtf8Bytes(settings);
        var directory = Path.GetDirectoryName(file)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}{TemporaryExtension}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(json, cancellationToken).ConfigureAwait(false);

                // On the disk before the rename makes it the point's file: after a power cut the file is whole or old.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, file, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        cancellationToken.ThrowIfCancellationRequested();
        var file = FileOf(path);
        var doomed = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}.deleted{TemporaryExtension}");
        try
        {
            // Renaming first makes "were there settings?" exact when two deletes race: only one rename succeeds.
            File.Move(file, doomed);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }

        TryDelete(doomed);
        return Task.FromResult(true);
    }

    public async Task<IReadOnlyList<KeyValuePair<string, PublishingPointSettings>>> ListAsync(CancellationToken cancellationToken = default)
    {
        var files = new List<(string Path, string File)>();
        try
        {
            if (Directory.Exists(Folder))
            {
                foreach (var file in Directory.EnumerateFiles(Folder, "*" + Extension, Enumeration))
                {
                    if (!file.EndsWith(Extension, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var path = Path.GetRelativePath(Folder, file)[..^Extension.Length].Replace(Path.DirectorySeparatorChar, '/');
                    if (PublishingPointPath.Validate(path) is { } reason)
                    {
                        LogStrayFile(file, reason);
                        continue;
                    }

                    files.Add((path, file));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder that vanished or broke mid-listing: list what was found rather than nothing.
            LogFolderUnreadable(Folder, ex.Message);
        }

        var points = new List<KeyValuePair<string, PublishingPointSettings>>(files.Count);
        foreach (var (path, file) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (await ReadAsync(path, file, cancellationToken).ConfigureAwait(false) is { } settings)
            {
                points.Add(KeyValuePair.Create(path, settings));
            }
        }

        return points;
    }

    /// <summary>The settings in <paramref name="file"/>; null when it is missing, or (logged) unreadable or corrupt.</summary>
    private async Task<PublishingPointSettings?> ReadAsync(string path, string file, CancellationToken cancellationToken)
    {
        byte[] json;
        try
        {
            json = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileUnreadable(path, file, ex.Message);
            return null;
        }

        if (!PublishingPointSettingsJson.TryDeserialize(json, out var settings, out var problem))
        {
            LogFileCorrupt(path, file, problem);
            return null;
        }

        return settings;
    }

    /// <summary>The file of a valid point path: inside <see cref="Folder"/>, since a valid path has no empty, '.' or '..' segment and no other separator than '/'.</summary>
    private string FileOf(string path)
    {
        var file = Path.GetFullPath(Path.Combine(Folder, path.Replace('/', Path.DirectorySeparatorChar) + Extension));
        var inside = Path.EndsInDirectorySeparator(Folder) ? Folder : Folder + Path.DirectorySeparatorChar;
        return file.StartsWith(inside, StringComparison.Ordinal)
            ? file
            : throw new ArgumentException($"'{path}' does not name a file inside {Folder}.", nameof(path));
    }

    private void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogLeftover(file, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "Publishing point {Point}: its settings file {File} is corrupt and is ignored ({Problem})")]
    private partial void LogFileCorrupt(string point, string file, string problem);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Publishing point {Point}: its settings file {File} cannot be read and is ignored ({Reason})")]
    private partial void LogFileUnreadable(string point, string file, string reason);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "{File} is no publishing point's settings file and is ignored: {Reason}")]
    private partial void LogStrayFile(string file, string reason);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "Publishing point settings folder {Folder} could not be listed completely ({Reason})")]
    private partial void LogFolderUnreadable(string folder, string reason);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Warning, Message = "Temporary file {File} could not be deleted ({Reason})")]
    private partial void LogLeftover(string file, string reason);
}
