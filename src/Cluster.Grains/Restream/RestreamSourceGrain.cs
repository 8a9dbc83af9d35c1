using Cluster.Contracts.Restream;
using Cluster.Grains.Tiers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Restream;

/// <summary>
/// Reads one source's stream list (<c>GET {url}/cluster/streams</c>, signed by <see cref="TierHttp"/> with the cluster
/// key) every <see cref="RestreamOptions.RefreshInterval"/>, trying its URLs in order, and reports the visible streams,
/// kinds decided by <see cref="RestreamSourceOptions.KindOf"/>, to the <see cref="IRestreamGrain"/>. A source that does
/// not answer reports nothing: the streams it listed stay, so the points' pull inputs fail over to the next source.
/// </summary>
internal sealed partial class RestreamSourceGrain(
    IOptions<RestreamOptions> options,
    TierHttp http,
    TimeProvider timeProvider,
    ILogger<RestreamSourceGrain> logger) : Grain, IRestreamSourceGrain
{
    /// <summary>How long one read of a stream list may take.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The largest stream list taken from a source, and the most streams in it.</summary>
    private const int MaxListBytes = 16 * 1024 * 1024;
    private const int MaxStreams = 10_000;

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    private RestreamSourceOptions? _source;
    private string? _answered;
    private DateTimeOffset? _lastRead;
    private string? _lastError;
    private RestreamedStream[] _streams = [];

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _source = options.Value.Find(Name);
        if (_source is null)
        {
            DeactivateOnIdle();
            return Task.CompletedTask;
        }

        DelayDeactivation(TimeSpan.MaxValue);
        this.RegisterGrainTimer(RefreshAsync, TimeSpan.Zero, options.Value.RefreshInterval);
        return Task.CompletedTask;
    }

    public Task EnsureRunningAsync() => Task.CompletedTask;

    public Task<RestreamSourceStatus> GetStatusAsync() =>
        Task.FromResult(new RestreamSourceStatus(Name, [.. _source?.AllUrls ?? []], _answered, _lastRead, _lastError, _streams));

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_source is not { } source)
        {
            return;
        }

        var errors = new List<string>();
        foreach (var url in source.AllUrls)
        {
            try
            {
                var listed = await ReadAsync(url, cancellationToken);
                var visible = listed.Streams
                    .Select(s => source.KindOf(s) is { } kind ? s with { Kind = kind } : null)
                    .OfType<SourceStream>()
                    .ToArray();
                await GrainFactory.GetGrain<IRestreamGrain>(IRestreamGrain.Key).ReportAsync(Name, visible);
                Answered(url, visible);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or OperationCanceledException or System.Text.Json.JsonException or SourceRefusedException)
            {
                errors.Add($"{url}: {e.Message}");
            }
        }

        var error = string.Join("; ", errors);
        if (error != _lastError)
        {
            LogUnreachable(Name, error);
        }

        _lastError = error;
    }

    private async Task<SourceStreamList> ReadAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url + SourceStreamList.Path));
        using var response = await http.SendAsync(request, linked.Token);
        if (!response.IsSuccessStatusCode)
        {
            var reason = (await response.Content.ReadAsStringAsync(linked.Token)).Trim();
            throw new SourceRefusedException($"answered {(int)response.StatusCode}: {(reason.Length > 300 ? reason[..300] : reason)}");
        }

        if (response.Content.Headers.ContentLength > MaxListBytes)
        {
            throw new SourceRefusedException($"answered a stream list of {response.Content.Headers.ContentLength} bytes, more than {MaxListBytes}.");
        }

        // Read through a bounded buffer: a source is not trusted with this node's memory.
        await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
        using var bounded = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, linked.Token)) > 0)
        {
            if (bounded.Length + read > MaxListBytes)
            {
                throw new SourceRefusedException($"answered a stream list of more than {MaxListBytes} bytes.");
            }

            bounded.Write(buffer, 0, read);
        }

        var list = System.Text.Json.JsonSerializer.Deserialize<SourceStreamList>(bounded.GetBuffer().AsSpan(0, (int)bounded.Length), JsonOptions);
        return list is { Streams: not null } && list.Streams.Length <= MaxStreams
            ? list
            : throw new SourceRefusedException(list?.Streams is null ? "answered an empty stream list document." : $"lists {list.Streams.Length} streams, more than {MaxStreams}.");
    }

    private void Answered(string url, SourceStream[] visible)
    {
        var streams = visible.Select(s => new RestreamedStream(s.Name, s.Kind)).ToArray();
        if (_lastError is not null || _answered != url || !streams.SequenceEqual(_streams))
        {
            LogListed(Name, url, streams.Count(s => s.Kind == SourceStream.Static), streams.Count(s => s.Kind == SourceStream.OnDemand));
        }

        _answered = url;
        _lastRead = timeProvider.GetUtcNow();
        _lastError = null;
        _streams = streams;
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Restream source {Source}: {Url} lists {Static} static and {OnDemand} on-demand stream(s) for this node")]
    private partial void LogListed(string source, string url, int @static, int onDemand);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Restream source {Source}: no URL gave the stream list ({Reason}); keeping the streams it listed")]
    private partial void LogUnreachable(string source, string reason);

    private sealed class SourceRefusedException(string message) : Exception(message);
}
