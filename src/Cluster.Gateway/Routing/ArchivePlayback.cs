using Microsoft.Extensions.Configuration;

namespace Cluster.Gateway.Routing;

/// <summary>Where archived sessions are played from (<c>{Cluster:Archive:PlaybackPath}/{point}/{session}</c>), as the gateway sees it.</summary>
internal static class ArchivePlayback
{
    /// <summary>The archive's playback prefix with a trailing slash, e.g. <c>archive/</c> (the default).</summary>
    public static string Prefix(IConfiguration configuration) =>
        (configuration["Cluster:Archive:PlaybackPath"] is { Length: > 0 } path ? path : "archive").Trim('/') + "/";
}
