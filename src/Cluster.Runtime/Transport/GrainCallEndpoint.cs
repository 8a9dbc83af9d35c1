using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.References;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Transport;

/// <summary>
/// The server end: decodes a call, finds the grain method by grain type name and method id, and sends it to the local
/// activation through the same path as a local call (so turn-based execution and <see cref="AlwaysInterleaveAttribute"/>
/// hold). The deadline and the client's disconnect cancel the call while it is queued, and reach the grain through its
/// <see cref="CancellationToken"/> parameter when it has one.
/// </summary>
internal sealed class GrainCallEndpoint
{
    private readonly ActivationCatalog _catalog;
    private readonly GrainCallCodecRegistry _codecs;
    private readonly GrainCallOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<GrainCallEndpoint> _logger;
    private readonly FrozenDictionary<string, FrozenDictionary<string, ServerMethod>> _grainTypes;

    public GrainCallEndpoint(
        ActivationCatalog catalog,
        IEnumerable<GrainRegistration> registrations,
        GrainCallCodecRegistry codecs,
        IOptions<GrainCallOptions> options,
        TimeProvider timeProvider,
        ILogger<GrainCallEndpoint> logger)
    {
        _catalog = catalog;
        _codecs = codecs;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;

        var grainTypes = new Dictionary<string, Dictionary<string, ServerMethod>>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            var (metadata, grainClass) = catalog.GetInterface(registration.InterfaceType);
            if (!grainTypes.TryGetValue(grainClass.TypeName, out var methods))
            {
                grainTypes[grainClass.TypeName] = methods = new Dictionary<string, ServerMethod>(StringComparer.Ordinal);
            }

            foreach (var grainMethod in metadata.Methods)
            {
                var id = GrainMethodId.Of(grainMethod.Method);
                if (methods.TryGetValue(id, out var existing))
                {
                    if (existing.GrainMethod.Method != grainMethod.Method)
                    {
                        throw new InvalidOperationException(
                            $"Grain type '{grainClass.TypeName}' has two interface methods with wire id '{id}' ({existing.GrainMethod.Method.DeclaringType} and {grainMethod.Method.DeclaringType}); rename one.");
                    }

                    continue;
                }

                var adapters = GrainMethodAdapters.For(grainMethod.Method);
                methods[id] = new ServerMethod(
                    grainMethod,
                    metadata,
                    grainClass,
                    [.. grainMethod.Method.GetParameters().Select(p => p.ParameterType == typeof(CancellationToken) ? null : codecs.Get(p.ParameterType))],
                    adapters.ToBoxed,
                    adapters.ResultType is null ? null : codecs.Get(adapters.ResultType));
            }
        }

        _grainTypes = grainTypes.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var grainType = (string?)request.RouteValues["grainType"] ?? string.Empty;
        var methodId = (string?)request.RouteValues["method"] ?? string.Empty;
        var key = request.Query[GrainCallWire.KeyQuery].ToString();
        var callId = request.Headers[GrainCallWire.CallIdHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, GrainCallWire.ErrorBadRequest, new ExceptionPayload(typeof(ArgumentException).FullName!, "The grain key is missing."));
            return;
        }

        var grainId = new GrainId(grainType, key);
        if (!_grainTypes.TryGetValue(grainType, out var methods) || !methods.TryGetValue(methodId, out var target))
        {
            _logger.RemoteCallNotFound(callId, grainId, methodId);
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, GrainCallWire.ErrorNotFound, new ExceptionPayload(
                typeof(GrainCallException).FullName!,
                methods is null ? $"No grain type '{grainType}' is registered on this silo." : $"Grain type '{grainType}' has no method '{methodId}'."));
            return;
        }

        var budget = ReadDeadline(request);
        if (budget <= TimeSpan.Zero)
        {
            await WriteDeadlineExceededAsync(context, callId, grainId, methodId);
            return;
        }

        using var deadline = new CancellationTokenSource(budget, _timeProvider);
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        object?[] arguments;
        try
        {
            var body = await ReadBodyAsync(context, callCancellation.Token).ConfigureAwait(false);
            if (body is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, GrainCallWire.ErrorBadRequest, new ExceptionPayload(
                    typeof(GrainCallException).FullName!, $"The call is larger than the {_options.MaxMessageSize} bytes allowed."));
                return;
            }

            arguments = Decode(target, body, callCancellation.Token);
        }
        catch (FormatException exception)
        {
            _logger.RemoteCallMalformed(callId, grainId, methodId, exception);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, GrainCallWire.ErrorBadRequest, new ExceptionPayload(typeof(FormatException).FullName!, exception.Message));
            return;
        }
        catch (JsonException exception)
        {
            _logger.RemoteCallMalformed(callId, grainId, methodId, exception);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, GrainCallWire.ErrorBadRequest, new ExceptionPayload(typeof(FormatException).FullName!, exception.Message));
            return;
        }
        catch (OperationCanceledException) when (callCancellation.IsCancellationRequested)
        {
            if (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                await WriteDeadlineExceededAsync(context, callId, grainId, methodId);
            }

            return;
        }
        catch (IOException)
        {
            return; // The client went away while sending.
        }

        object? result;
        try
        {
            var reference = new GrainReference();
            reference.Initialize(_catalog, target.Metadata, target.GrainClass, grainId);
            result = await target.ToBoxed(target.GrainMethod.Invoke(reference, arguments, callCancellation.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (exception.CancellationToken == callCancellation.Token || callCancellation.IsCancellationRequested)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                _logger.RemoteCallAbandoned(callId, grainId, methodId);
                return;
            }

            if (deadline.IsCancellationRequested)
            {
                await WriteDeadlineExceededAsync(context, callId, grainId, methodId);
                return;
            }

            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, GrainCallWire.ErrorException, ExceptionCodec.ToPayload(exception));
            return;
        }
        catch (NotHereException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status421MisdirectedRequest, GrainCallWire.ErrorNotHere, new ExceptionPayload(
                typeof(NotHereException).FullName!, exception.Owner?.ToString() ?? string.Empty));
            return;
        }
        catch (Exception exception)
        {
            _logger.RemoteCallFailed(callId, grainId, methodId, exception.GetType().FullName);
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, GrainCallWire.ErrorException, ExceptionCodec.ToPayload(exception));
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrainCallWire.ContentType;
        if (target.ResultCodec is null)
        {
            response.ContentLength = 0;
            return;
        }

        var output = new ArrayBufferWriter<byte>();
        GrainCallCodecRegistry.WriteFramed(target.ResultCodec, result, output);
        response.ContentLength = output.WrittenCount;
        try
        {
            await response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            _logger.RemoteCallAbandoned(callId, grainId, methodId);
        }
    }

    private TimeSpan ReadDeadline(HttpRequest request)
    {
        var header = request.Headers[GrainCallWire.DeadlineHeader].ToString();
        if (!long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var deadlineTicks))
        {
            return _options.ResponseTimeout;
        }

        // Capped so a far-future deadline cannot overflow the timer; the caller enforces its own deadline anyway.
        var remaining = deadlineTicks - _timeProvider.GetUtcNow().UtcTicks;
        return TimeSpan.FromTicks(Math.Min(remaining, TimeSpan.FromDays(1).Ticks));
    }

    /// <summary>The whole body in one array (arguments of raw bytes are slices of it), or null when it is too large.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxMessageSize;
        }

        var length = context.Request.ContentLength;
        if (length > _options.MaxMessageSize)
        {
            return null;
        }

        if (length is { } known)
        {
            var buffer = new byte[known];
            await context.Request.Body.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }

        using var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.Length > _options.MaxMessageSize ? null : copy.ToArray();
    }

    private static object?[] Decode(ServerMethod target, byte[] body, CancellationToken callCancellation)
    {
        var arguments = new object?[target.ParameterCodecs.Length];
        var offset = 0;
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = target.ParameterCodecs[i] is { } codec
                ? GrainCallCodecRegistry.ReadFramed(codec, body, ref offset)
                : callCancellation;
        }

        if (offset != body.Length)
        {
            throw new FormatException($"{body.Length - offset} trailing bytes after the arguments.");
        }

        // A null for a value-type parameter would fail inside the compiled invoker; reject it here.
        var parameters = target.GrainMethod.Method.GetParameters();
        for (var i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] is null && parameters[i].ParameterType.IsValueType && Nullable.GetUnderlyingType(parameters[i].ParameterType) is null)
            {
                throw new FormatException($"Argument '{parameters[i].Name}' of type {parameters[i].ParameterType} cannot be null.");
            }
        }

        return arguments;
    }

    private Task WriteDeadlineExceededAsync(HttpContext context, string callId, GrainId grainId, string methodId)
    {
        _logger.RemoteCallDeadlineExceeded(callId, grainId, methodId);
        return WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout, GrainCallWire.ErrorDeadline, new ExceptionPayload(
            typeof(TimeoutException).FullName!, "The deadline passed before the call was delivered; it did not run."));
    }

    private static async Task WriteErrorAsync(HttpContext context, int statusCode, string kind, ExceptionPayload payload)
    {
        if (context.RequestAborted.IsCancellationRequested || context.Response.HasStarted)
        {
            return;
        }

        var response = context.Response;
        response.StatusCode = statusCode;
        response.Headers[GrainCallWire.ErrorHeader] = kind;
        response.ContentType = GrainCallWire.ErrorContentType;
        var body = JsonSerializer.SerializeToUtf8Bytes(payload);
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client went away; nothing to tell it.
        }
    }

    /// <summary>What the server needs per method: the local path and the codecs (null at the cancellation token's position).</summary>
    private sealed record ServerMethod(
        GrainMethod GrainMethod,
        GrainInterfaceMetadata Metadata,
        GrainClassInfo GrainClass,
        IValueCodec?[] ParameterCodecs,
        Func<object, Task<object?>> ToBoxed,
        IValueCodec? ResultCodec);
}
