using Cluster.Contracts.PublishingPoints;

namespace Cluster.Contracts.Restream;

/// <summary>
/// Cluster restreaming (configuration section <c>Cluster:Restream</c>, Flussonic's <c>source</c> directives): this node
/// takes the stream lists of other nodes and restreams their streams as its own publishing points, with every output.
/// </summary>
public sealed class RestreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Restream";

    /// <summary>The sources, in the order their URLs are tried for a stream several of them have. Default none.</summary>
    public List<RestreamSourceOptions> Sources { get; set; } = [];

    /// <summary>How often each source's stream list is read: new streams appear, and removed ones go, within about this long. Default 3 seconds.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The source named <paramref name="name"/>, or null.</summary>
    public RestreamSourceOptions? Find(string name) => Sources.Find(s => s.EffectiveName(Sources.IndexOf(s)) == name);

    /// <summary>The name of the source at <paramref name="index"/>.</summary>
    public string NameOf(int index) => Sources[index].EffectiveName(index);

    /// <summary>Checks the values; <paramref name="nodeKey"/> is this node's cluster key. Returns the problems found.</summary>
    public IEnumerable<string> Validate(string? nodeKey)
    {
        if (RefreshInterval < TimeSpan.FromMilliseconds(200) || RefreshInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"{SectionName}:RefreshInterval must be between 200 ms and 10 minutes.";
        }

        for (var i = 0; i < Sources.Count; i++)
        {
            foreach (var problem in Sources[i].Validate(nodeKey))
            {
                yield return $"{SectionName}:Sources:{i}:{problem}";
            }
        }

        if (Sources.Select((s, i) => s.EffectiveName(i)).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            yield return $"{SectionName}:Sources: the name '{twice.Key}' is used twice.";
        }
    }
}

/// <summary>
/// One source: where its stream list is read, which of its streams are taken and how, and the settings every stream
/// taken from it gets (<see cref="Settings"/>).
/// </summary>
public sealed class RestreamSourceOptions
{
    /// <summary>The source's name, shown in status and logs and kept in the points made for it. Default <c>source{n}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The source node's base URL, e.g. <c>http://source-a:8080</c>.</summary>
    public string? Url { get; set; }

    /// <summary>More base URLs of the same source (its other gateways), tried in order after <see cref="Url"/>. Default none.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>The source's cluster key when it is not this node's <c>Cluster:ClusterKey</c>. Default none (this node's key).</summary>
    public string? ClusterKey { get; set; }

    /// <summary>
    /// Stream names (point paths; <c>*</c> matches any run of characters, e.g. <c>mylive/*</c>) taken as static: pulled
    /// continuously; the other visible streams are on demand. Default none: the source's own kinds apply.
    /// </summary>
    public List<string> Only { get; set; } = [];

    /// <summary>Stream names (with <c>*</c> wildcards) not taken at all; wins over <see cref="Only"/>. Default none.</summary>
    public List<string> Except { get; set; } = [];

    /// <summary>DVR window of the streams taken; default the source's own window for each stream.</summary>
    public TimeSpan? DvrWindowLength { get; set; }

    /// <summary>Live-to-VOD archive of the streams taken (the point setting of that name). Default none.</summary>
    public ArchiveSettings? Archive { get; set; }

    /// <summary>
    /// Whether the streams taken need playback authorization here (a token, and the on_play hook when one is set; see
    /// <c>Cluster:Security:Playback</c>), whatever their paths. Default false.
    /// </summary>
    public bool ProtectPlayback { get; set; }

    /// <summary>How long an on-demand stream keeps being pulled without a viewer request. Default 30 seconds.</summary>
    public TimeSpan OnDemandIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a failing source URL before the next URL (the next source that has the stream) is tried. Default 2.</summary>
    public int RetryCount { get; set; } = 2;

    /// <summary>Delay before each retry. Default 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A source that sends nothing for this long is treated as failed and the next URL is tried. Default 10 seconds.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Every base URL of the source, <see cref="Url"/> first, without a trailing slash.</summary>
    public IEnumerable<string> AllUrls =>
        (Url is null ? Urls : Urls.Prepend(Url)).Select(u => u.TrimEnd('/')).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name, or the default one for position <paramref name="index"/>.</summary>
    public string EffectiveName(int index) => Name is { Length: > 0 } name ? name : $"source{index}";

    /// <summary>The point settings a stream taken from this source gets.</summary>
    public PublishingPointSettings Settings(string sourceName, IEnumerable<string> pullUrls, TimeSpan sourceWindow, bool onDemand, bool protectedAtSource = false) => new()
    {
        DvrWindowLength = DvrWindowLength ?? sourceWindow,
        Archive = Archive,
        RestreamedFrom = sourceName,
        ProtectPlayback = ProtectPlayback || protectedAtSource,
        PullInput = new PullInputSettings
        {
            Urls = [.. pullUrls],
            RetryCount = RetryCount,
            RetryDelay = RetryDelay,
            StallTimeout = StallTimeout,
            OnDemand = onDemand,
            IdleTimeout = OnDemandIdleTimeout,
        },
    };

    /// <summary>
    /// How this node takes a source's stream (Flussonic's lists): null when <see cref="Except"/> matches (black list);
    /// with <see cref="Only"/>, static when it matches and on demand otherwise (white and gray lists); without it, the
    /// source's own kind.
    /// </summary>
    public string? KindOf(SourceStream stream) =>
        StreamPattern.Any(Except, stream.Name) ? null
        : Only.Count > 0 ? (StreamPattern.Any(Only, stream.Name) ? SourceStream.Static : SourceStream.OnDemand)
        : stream.Kind is SourceStream.Static or SourceStream.OnDemand ? stream.Kind
        : null;

    internal IEnumerable<string> Validate(string? nodeKey)
    {
        if (Name is { Length: > 0 } name && (name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            yield return "Name must be at most 64 letters, digits, '-', '_' or '.'.";
        }

        if (!AllUrls.Any())
        {
            yield return "Url must be given.";
        }

        foreach (var url in AllUrls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                yield return $"'{url}' must be a node's base URL such as http://source-a:8080.";
            }
        }

        if ((ClusterKey ?? nodeKey) is not { Length: >= 16 })
        {
            yield return "needs a cluster key of at least 16 characters: Cluster:ClusterKey, or ClusterKey on the source.";
        }

        foreach (var pattern in Only.Concat(Except))
        {
            if (StreamPattern.Validate(pattern) is { } reason)
            {
                yield return $"'{pattern}' in Only/Except: {reason}";
            }
        }

        var settings = Settings("x", AllUrls.Select(u => u + "/x.isml"), TimeSpan.Zero, false);
        if (settings.Validate() is { } invalid)
        {
            yield return invalid;
        }
    }
}
