using Cluster.Grains.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Archive;

/// <summary>
/// Gives a session an <see cref="ArchiveRecorder"/> when its point's settings enable the archive. Archives served back
/// as points (under <see cref="ArchiveOptions.PlaybackPath"/>) are never archived again.
/// </summary>
internal sealed class ArchiveFollowerFactory(
    ArchiveLibrary library,
    IOptions<ArchiveOptions> options,
    TimeProvider timeProvider,
    ILogger<ArchiveRecorder> logger) : ISessionFollowerFactory
{
    public ValueTask<IReadOnlyList<ISessionFollower>> CreateAsync(PointSession session) => ValueTask.FromResult<IReadOnlyList<ISessionFollower>>([.. Create(session)]);

    /// <summary>The session's recorder, or none.</summary>
    public IEnumerable<ISessionFollower> Create(PointSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Settings.Archive is not { Enabled: true } archive || library.IsPlaybackPath(session.PointPath))
        {
            return [];
        }

        return [new ArchiveRecorder(session, archive, library, options.Value, timeProvider, logger)];
    }
}
