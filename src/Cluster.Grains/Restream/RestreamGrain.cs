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
    ILogger<RestreamGrain> logger) : Grain, IRestreamGrain
{
    private readonly Dictionary<string, SourceStream[]> _lists = new(StringComparer.Ordinal);
    private readonly HashSet<string> _owned = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _shadowed = new(StringComparer.OrdinalIgnoreCase);
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
        _lists[source] = streams;
        var wanted = Merge();
        foreach (var (name, (settings, point)) in wanted)
        {
            await ApplyAsync(name, settings);
        }

        _points = [.. wanted.Values.Select(w => w.Point).Where(p => !_shadowed.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal)];
        if (options.Value.Sources.Select((_, i) => options.Value.NameOf(i)).All(_lists.ContainsKey))
        {
            foreach (var gone in _owned.Where(name => !wanted.ContainsKey(name)).ToList())
            {
                await RemoveAsync(gone);
            }
        }
    }

    public Task<RestreamStatus> GetStatusAsync() => Task.FromResult(new RestreamStatus(_points, [.. _shadowed.Order(StringComparer.Ordinal)]));

    /// <summary>Every listed stream with the settings its point gets, from the sources in their configured order.</summary>
    private Dictionary<string, (PublishingPointSettings Settings, RestreamedPoint Point)> Merge()
    {
        var merged = new Dictionary<string, (int Source, TimeSpan Window, bool Static, List<string> Urls)>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Value.Sources.Count; i++)
        {
            if (!_lists.TryGetValue(options.Value.NameOf(i), out var streams))
            {
                continue;
            }

            foreach (var stream in streams.Where(s => PublishingPointPath.Validate(s.Name) is null))
            {
                if (!merged.TryGetValue(stream.Name, out var entry))
                {
                    entry = (i, stream.DvrWindowLength, false, []);
                }

                entry.Static |= stream.Kind == SourceStream.Static;
                entry.Urls.AddRange(options.Value.Sources[i].AllUrls.Select(u => $"{u}/{stream.Name}.isml"));
                merged[stream.Name] = entry;
            }
        }

        return merged.ToDictionary(
            m => m.Key,
            m =>
            {
                var name = options.Value.NameOf(m.Value.Source);
                var settings = options.Value.Sources[m.Value.Source].Settings(name, m.Value.Urls.Distinct(StringComparer.OrdinalIgnoreCase), m.Value.Window, !m.Value.Static);
                return (settings, new RestreamedPoint(m.Key, m.Value.Static ? SourceStream.Static : SourceStream.OnDemand, settings.PullInput!.Urls));
            },
            StringComparer.OrdinalIgnoreCase);
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

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Restream: reading the points made before failed ({Reason}); stale ones stay until they are listed and dropped again")]
    private partial void LogStoreFailed(string reason);
}
