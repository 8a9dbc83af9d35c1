using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Restream;
using Cluster.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Restream;

/// <summary>
/// Keeps one publishing point per stream the sources list: the same name on several sources is one point whose pull
/// input has every source's URLs, in the sources' order (its failover); it is static when any source takes it as static.
/// The point gets the settings of the first source listing it. A point of this node's own with the same name wins and
/// is left alone. A point made here whose stream no source lists any more is removed, once every source has answered
/// since this grain started (a source that is down keeps its streams).
/// </summary>
internal sealed partial class RestreamGrain(
    IOptions<RestreamOptions> options,
    IPublishingPointStore store,
    TimeProvider timeProvider,
    ILogger<RestreamGrain> logger) : Grain, IRestreamGrain
{
    /// <summary>How long a stream must be missing from every source's list before its point is removed.</summary>
    private static readonly TimeSpan RemoveAfter = TimeSpan.FromSeconds(10);

    /// <summary>The longest DVR window a source may ask for its streams (an hostile list must not make the node keep everything).</summary>
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(14);

    private readonly Dictionary<string, SourceStream[]> _lists = new(StringComparer.Ordinal);
    private readonly HashSet<string> _owned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shadowed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);
    private RestreamedPoint[] _points = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        DelayDeactivation(TimeSpan.MaxValue);
        try
        {
            // Points made before a restart: removed when their stream is gone, like any other.
            _owned.UnionWith((await store.ListAsync(cancellationToken)).Where(p => p.Value.RestreamedFrom is not null).Select(p => p.Key));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(e.Message);
        }
    }

    public async Task ReportAsync(string source, SourceStream[] streams)
    {
        _lists[source] = [.. streams.Where(IsUsable)];
        var wanted = Merge();
        foreach (var (name, (settings, _)) in wanted)
        {
            try
            {
                await ApplyAsync(name, settings);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // One point whose silo just died must not keep the others from being configured; the next report retries.
                LogApplyFailed(name, e.Message);
            }
        }

        _points = [.. wanted.Values.Select(w => w.Point).Where(p => !_shadowed.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal)];
        await RemoveGoneAsync(wanted);
    }

    public Task<RestreamStatus> GetStatusAsync() => Task.FromResult(new RestreamStatus(_points, [.. _shadowed.Order(StringComparer.Ordinal)]));

    /// <summary>A listed stream this node can take: a valid point path, a known kind, a sane window.</summary>
    private static bool IsUsable(SourceStream stream) =>
        stream.Name is not null && PublishingPointPath.Validate(stream.Name) is null
        && stream.Kind is SourceStream.Static or SourceStream.OnDemand
        && stream.DvrWindowLength >= TimeSpan.Zero && stream.DvrWindowLength <= MaxWindow;

    /// <summary>
    /// Removes the points of streams no source has listed for <see cref="RemoveAfter"/>, once every source has answered
    /// since this grain started: a list that misses a stream for a moment (a source's silo just died) drops no DVR.
    /// </summary>
    private async Task RemoveGoneAsync(Dictionary<string, (PublishingPointSettings Settings, RestreamedPoint Point)> wanted)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var name in wanted.Keys)
        {
            _missingSince.Remove(name);
        }

        if (!options.Value.Sources.Select((_, i) => options.Value.NameOf(i)).All(_lists.ContainsKey))
        {
            return;
        }

        foreach (var gone in _owned.Where(name => !wanted.ContainsKey(name)).ToList())
        {
            if (!_missingSince.TryGetValue(gone, out var since))
            {
                _missingSince[gone] = now;
            }
            else if (now - since >= RemoveAfter)
            {
                await RemoveAsync(gone);
                _missingSince.Remove(gone);
            }
        }
    }

    /// <summary>Every listed stream with the settings its point gets, from the sources in their configured order.</summary>
    private Dictionary<string, (PublishingPointSettings Settings, RestreamedPoint Point)> Merge()
    {
        var merged = new Dictionary<string, (int Source, TimeSpan Window, bool Static, bool Protected, List<string> Urls)>(StringComparer.Ordinal);
        for (var i = 0; i < options.Value.Sources.Count; i++)
        {
            if (!_lists.TryGetValue(options.Value.NameOf(i), out var streams))
            {
                continue;
            }

            foreach (var stream in streams)
            {
                if (!merged.TryGetValue(stream.Name, out var entry))
                {
                    entry = (i, stream.DvrWindowLength, false, false, []);
                }

                entry.Static |= stream.Kind == SourceStream.Static;
                entry.Protected |= stream.Protected;
                entry.Urls.AddRange(options.Value.Sources[i].AllUrls.Select(u => $"{u}/{stream.Name}.isml"));
                merged[stream.Name] = entry;
            }
        }

        return merged.ToDictionary(
            m => m.Key,
            m =>
            {
                var name = options.Value.NameOf(m.Value.Source);
                var settings = options.Value.Sources[m.Value.Source].Settings(name, m.Value.Urls.Distinct(StringComparer.Ordinal), m.Value.Window, !m.Value.Static, m.Value.Protected);
                return (settings, new RestreamedPoint(m.Key, m.Value.Static ? SourceStream.Static : SourceStream.OnDemand, settings.PullInput!.Urls));
            },
            StringComparer.Ordinal);
    }

    /// <summary>Creates or reconfigures the point of stream <paramref name="name"/>, unless a local point has that name.</summary>
    private async Task ApplyAsync(string name, PublishingPointSettings settings)
    {
        var json = PublishingPointSettingsJson.Serialize(settings);
        var point = GrainFactory.GetGrain<IPublishingPointGrain>(name);
        var status = await point.GetStatusAsync();
        if (status.Exists && status.Settings.RestreamedFrom is null)
        {
            // Configured or published here (a publisher took over a point made by the restreamer too): it wins.
            _owned.Remove(name);
            if (_shadowed.Add(name))
            {
                LogShadowed(name);
            }

            return;
        }

        _shadowed.Remove(name);
        // The session writes its event id into the settings; it is not a difference to undo.
        if (!status.Exists || PublishingPointSettingsJson.Serialize(status.Settings with { EventId = null }) != json)
        {
            await point.ConfigureAsync(settings);
            LogConfigured(name, settings.RestreamedFrom!, settings.PullInput!.OnDemand ? SourceStream.OnDemand : SourceStream.Static, string.Join(", ", settings.PullInput.Urls));
        }

        _owned.Add(name);
    }

    private async Task RemoveAsync(string name)
    {
        var point = GrainFactory.GetGrain<IPublishingPointGrain>(name);
        var status = await point.GetStatusAsync();
        if (status.Exists && status.Settings.RestreamedFrom is not null)
        {
            await point.RemoveAsync();
            LogRemoved(name);
        }

        _owned.Remove(name);
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Restream: {Point} from {Source} as {Kind}, pulled from {Urls}")]
    private partial void LogConfigured(string point, string source, string kind, string urls);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Restream: {Point} is no longer listed by any source; removed")]
    private partial void LogRemoved(string point);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Restream: a source lists {Point}, but this node has its own point of that name, which wins")]
    private partial void LogShadowed(string point);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Warning, Message = "Restream: configuring {Point} failed ({Reason}); the next list tries again")]
    private partial void LogApplyFailed(string point, string reason);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Restream: reading the points made before failed ({Reason}); stale ones stay until they are listed and dropped again")]
    private partial void LogStoreFailed(string reason);
}
