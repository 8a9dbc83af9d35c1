using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Transport;

/// <summary>
/// The client end: one HTTP POST per call on a shared <see cref="SocketsHttpHandler"/> (h2c with prior knowledge when
/// <see cref="GrainCallOptions.UseHttp2"/>, several connections per silo when streams run out).
/// </summary>
internal sealed class RemoteGrainInvoker : IRemoteGrainInvoker, IDisposable
{
    private static readonly MediaTypeHeaderValue BodyContentType = new(GrainCallWire.ContentType);

    private readonly GrainCallCodecRegistry _codecs;
    private readonly ExceptionCodec _exceptions;
    private readonly GrainCallOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RemoteGrainInvoker> _logger;
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<MethodInfo, ClientMethod> _methods = new();
    private long _nextCallId;

    public RemoteGrainInvoker(GrainCallCodecRegistry codecs, IOptions<GrainCallOptions> options, TimeProvider timeProvider, ILogger<RemoteGrainInvoker> logger)
    {
        _codecs = codecs;
        _options = options.Value;
        _exceptions = new ExceptionCodec(_options.KnownExceptionTypes);
        _timeProvider = timeProvider;
        _logger = logger;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = _options.MaxMessageSize,
            DefaultRequestVersion = _options.UseHttp2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async Task<object?> InvokeAsync(
        string siloEndpoint,
        GrainId grainId,
        MethodInfo method,
        object?[] arguments,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(siloEndpoint);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(arguments);
        var target = _methods.GetOrAdd(method, CreateMethod);
        if (arguments.Length != target.ParameterCodecs.Length)
        {
            throw new ArgumentException($"{target.Id} takes {target.ParameterCodecs.Length} arguments, not {arguments.Length}.", nameof(arguments));
        }

        var budget = timeout ?? _options.ResponseTimeout;
        if (budget <= TimeSpan.Zero)
        {
            throw new TimeoutException($"Grain call {grainId}.{target.Id} has no time left (timeout {budget}).");
        }

        var argumentToken = target.CancellationTokenIndex >= 0 && arguments[target.CancellationTokenIndex] is CancellationToken token ? token : default;
        argumentToken.ThrowIfCancellationRequested();
        cancellationToken.ThrowIfCancellationRequested();

        using var deadline = new CancellationTokenSource(budget, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, argumentToken, deadline.Token);
        var callId = Interlocked.Increment(ref _nextCallId).ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, BuildUri(siloEndpoint, grainId, target.Id))
        {
            Content = Encode(target, arguments),
            Version = _client.DefaultRequestVersion,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var deadlineTicks = budget >= DateTimeOffset.MaxValue - _timeProvider.GetUtcNow() ? DateTimeOffset.MaxValue.UtcTicks : (_timeProvider.GetUtcNow() + budget).UtcTicks;
        request.Headers.TryAddWithoutValidation(GrainCallWire.DeadlineHeader, deadlineTicks.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(GrainCallWire.CallIdHeader, callId);

        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || argumentToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Grain call {grainId}.{target.Id} was cancelled.", cancellationToken.IsCancellationRequested ? cancellationToken : argumentToken);
        }
        catch (OperationCanceledException exception) when (deadline.IsCancellationRequested)
        {
            _logger.RemoteCallTimedOut(callId, grainId, target.Id, siloEndpoint, budget);
            throw new TimeoutException($"Grain call {grainId}.{target.Id} to silo {siloEndpoint} did not complete within {budget}.", exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            _logger.SiloUnreachable(callId, grainId, target.Id, siloEndpoint, exception);
            throw new SiloUnavailableException(siloEndpoint, $"Silo {siloEndpoint} is unavailable for grain call {grainId}.{target.Id}: {exception.Message}", exception)
            {
                NotSent = exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError },
            };
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return Decode(target, body);
            }

            throw ToException(siloEndpoint, grainId, target, response, body);
        }
    }

    public void Dispose() => _client.Dispose();

    private static Uri BuildUri(string siloEndpoint, GrainId grainId, string methodId)
    {
        var baseUri = siloEndpoint.Contains("://", StringComparison.Ordinal) ? siloEndpoint.TrimEnd('/') : "http://" + siloEndpoint;
        return new Uri(string.Create(
            CultureInfo.InvariantCulture,
            $"{baseUri}{GrainCallWire.RoutePrefix}/{Uri.EscapeDataString(grainId.Type)}/{Uri.EscapeDataString(methodId)}?{GrainCallWire.KeyQuery}={Uri.EscapeDataString(grainId.Key)}"));
    }

    private ClientMethod CreateMethod(MethodInfo method)
    {
        var parameters = method.GetParameters();
        var adapters = GrainMethodAdapters.For(method);
        return new ClientMethod(
            GrainMethodId.Of(method),
            [.. parameters.Select(p => p.ParameterType == typeof(CancellationToken) ? null : _codecs.Get(p.ParameterType))],
            Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken)),
            adapters.ResultType is null ? null : _codecs.Get(adapters.ResultType));
    }

    private static ByteArrayContent Encode(ClientMethod target, object?[] arguments)
    {
        // Size the buffer for raw byte payloads up front so an 8 MB fragment is copied once, not regrown.
        var hint = 256;
        foreach (var argument in arguments)
        {
            hint += argument switch
            {
                byte[] bytes => bytes.Length,
                ReadOnlyMemory<byte> memory => memory.Length,
                Memory<byte> memory => memory.Length,
                _ => 0,
            };
        }

        var output = new ArrayBufferWriter<byte>(hint);
        for (var i = 0; i < arguments.Length; i++)
        {
            if (target.ParameterCodecs[i] is { } codec)
            {
                GrainCallCodecRegistry.WriteFramed(codec, arguments[i], output);
            }
        }

        if (!MemoryMarshal.TryGetArray(output.WrittenMemory, out var segment))
        {
            throw new InvalidOperationException("ArrayBufferWriter is not array-backed.");
        }

        var content = new ByteArrayContent(segment.Array!, segment.Offset, segment.Count);
        content.Headers.ContentType = BodyContentType;
        return content;
    }

    private static object? Decode(ClientMethod target, byte[] body)
    {
        if (target.ResultCodec is null)
        {
            return null;
        }

        var offset = 0;
        var result = GrainCallCodecRegistry.ReadFramed(target.ResultCodec, body, ref offset);
        return offset == body.Length ? result : throw new GrainCallException($"Malformed response to {target.Id}: {body.Length - offset} trailing bytes.");
    }

    private Exception ToException(string siloEndpoint, GrainId grainId, ClientMethod target, HttpResponseMessage response, byte[] body)
    {
        var kind = response.Headers.TryGetValues(GrainCallWire.ErrorHeader, out var values) ? values.FirstOrDefault() : null;
        var payload = TryReadPayload(body);
        var detail = payload?.Message ?? $"HTTP {(int)response.StatusCode}";
        return kind switch
        {
            GrainCallWire.ErrorException when payload is not null => _exceptions.FromPayload(payload),
            GrainCallWire.ErrorDeadline => new TimeoutException($"Grain call {grainId}.{target.Id} on silo {siloEndpoint} missed its deadline before it was delivered: {detail}"),
            GrainCallWire.ErrorNotHere => new NotHereException(
                grainId,
                SiloAddress.TryParse(payload?.Message, out var owner) ? owner : null,
                owner is null ? $"silo {siloEndpoint} is stopping" : $"silo {siloEndpoint} says it is on {owner}"),
            GrainCallWire.ErrorNotFound => new GrainCallException($"Silo {siloEndpoint} cannot call {grainId}.{target.Id}: {detail}"),
            null when response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout =>
                new SiloUnavailableException(siloEndpoint, $"Silo {siloEndpoint} answered grain call {grainId}.{target.Id} with HTTP {(int)response.StatusCode}."),
            _ => new GrainCallException($"Grain call {grainId}.{target.Id} to silo {siloEndpoint} failed: {detail}"),
        };
    }

    private static ExceptionPayload? TryReadPayload(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize<ExceptionPayload>(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What the client needs per method: its wire id and codecs (null at the cancellation token's position).</summary>
    private sealed record ClientMethod(string Id, IValueCodec?[] ParameterCodecs, int CancellationTokenIndex, IValueCodec? ResultCodec);
}
