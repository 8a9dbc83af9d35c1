using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.PublishingPoints;

/// <summary>
/// Adds the points defined by IIS definition files in <see cref="PublishingPointOptions.DefinitionsFolder"/> to the
/// configured points, once, as options are built. A file that cannot be read is logged and skipped: one bad file
/// costs its own point, not the node. Links are not followed and at most <see cref="MaxFiles"/> files are read.
/// </summary>
internal sealed partial class IisDefinitionFiles(ILogger<IisDefinitionFiles> logger) : IPostConfigureOptions<PublishingPointOptions>
{
    private const int MaxFiles = 10_000;

    public void PostConfigure(string? name, PublishingPointOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DefinitionsFolder))
        {
            return;
        }

        var folder = Path.GetFullPath(options.DefinitionsFolder);
        if (!Directory.Exists(folder))
        {
            LogNoFolder(folder);
            return;
        }

        var files = Directory.EnumerateFiles(folder, "*" + IisPublishingPointDefinition.Extension, new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden,
            IgnoreInaccessible = true,
        });
        foreach (var file in files.Take(MaxFiles))
        {
            Load(folder, file, options);
        }
    }

    private void Load(string folder, string file, PublishingPointOptions options)
    {
        var relative = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
        var path = relative[..^IisPublishingPointDefinition.Extension.Length];
        if (PublishingPointPath.Validate(path) is { } badPath)
        {
            LogSkipped(file, badPath);
            return;
        }

        if (options.Points.ContainsKey(path))
        {
            LogConfiguredWins(file, path);
            return;
        }

        try
        {
            if (new FileInfo(file).Length > IisPublishingPointDefinition.MaxLength)
            {
                throw new FormatException($"larger than {IisPublishingPointDefinition.MaxLength} bytes");
            }

            options.Points[path] = IisPublishingPointDefinition.Read(File.ReadAllText(file), options.Defaults, out var ignored);
            LogLoaded(path, file, ignored.Count == 0 ? "none" : string.Join(", ", ignored));
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            LogSkipped(file, e.Message);
        }
    }

    [LoggerMessage(EventId = 1900, Level = LogLevel.Information, Message = "Publishing point {Path} defined by {File}; settings ignored: {Ignored}")]
    private partial void LogLoaded(string path, string file, string ignored);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Publishing point definition {File} skipped: {Reason}")]
    private partial void LogSkipped(string file, string reason);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Warning, Message = "Publishing point definitions folder {Folder} does not exist; no points defined from it")]
    private partial void LogNoFolder(string folder);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Information, Message = "Publishing point definition {File} not used: {Path} is configured in Cluster:PublishingPoints:Points")]
    private partial void LogConfiguredWins(string file, string path);
}
