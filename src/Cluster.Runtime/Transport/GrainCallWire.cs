using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Runtime.Transport;

/// <summary>Names and values of the wire format (see docs/decisions/0006-grain-call-wire-format.md).</summary>
internal static class GrainCallWire
{
    public const string RoutePrefix = "/cluster/v1/grains";

    public const string RoutePattern = RoutePrefix + "/{grainType}/{method}";

    public const string KeyQuery = "key";

    /// <summary>
    /// Absolute deadline of the call in UTC ticks (<see cref="DateTimeOffset.UtcTicks"/>), so time spent in flight counts
    /// against it; silo clocks are assumed NTP-synchronised (a skew shortens or lengthens deadlines by that much).
    /// </summary>
    public const string DeadlineHeader = "cluster-deadline";

    public const string CallIdHeader = "cluster-call-id";

    /// <summary>On an error response: one of the <c>Error*</c> kinds.</summary>
    public const string ErrorHeader = "cluster-error";

    public const string ContentType = "application/x-cluster-grain-call";

    public const string ErrorContentType = "application/json";

    /// <summary>Grain code or the remote runtime threw; the body is an <see cref="ExceptionPayload"/>. HTTP 500.</summary>
    public const string ErrorException = "exception";

    /// <summary>No such grain type or method on the silo. HTTP 404.</summary>
    public const string ErrorNotFound = "not-found";

    /// <summary>The deadline passed before the call was delivered. HTTP 504.</summary>
    public const string ErrorDeadline = "deadline";

    /// <summary>
    /// The silo does not hold the grain and will not activate it (another silo won the directory, or this one is
    /// stopping); the message is the owner's silo address or empty. The call did not run. HTTP 421.
    /// </summary>
    public const string ErrorNotHere = "not-here";

    /// <summary>The request could not be decoded. HTTP 400 (or 413 when too large).</summary>
    public const string ErrorBadRequest = "bad-request";
}

/// <summary>How an exception travels: its full type name and message.</summary>
internal sealed record ExceptionPayload(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Turns exceptions into <see cref="ExceptionPayload"/>s and back, recreating only known types.</summary>
internal sealed class ExceptionCodec
{
    private static readonly Type[] BuiltInKnownTypes =
    [
        typeof(ArgumentException), typeof(ArgumentNullException), typeof(ArgumentOutOfRangeException),
        typeof(InvalidOperationException), typeof(KeyNotFoundException), typeof(NotSupportedException),
        typeof(NotImplementedException), typeof(FormatException), typeof(TimeoutException),
        typeof(UnauthorizedAccessException), typeof(IndexOutOfRangeException), typeof(InvalidCastException),
        typeof(OverflowException), typeof(DivideByZeroException), typeof(ObjectDisposedException),
        typeof(OperationCanceledException), typeof(IOException), typeof(FileNotFoundException),
        typeof(JsonException), typeof(GrainCallException),
    ];

    private readonly FrozenDictionary<string, Func<string, Exception>> _factories;

    public ExceptionCodec(IEnumerable<Type> additionalTypes)
    {
        var factories = new Dictionary<string, Func<string, Exception>>();
        foreach (var type in BuiltInKnownTypes.Concat(additionalTypes))
        {
            var constructor = FindConstructor(type) ?? throw new ArgumentException($"{type} has no public (string) or (string, Exception) constructor.", nameof(additionalTypes));
            factories[type.FullName!] = constructor.GetParameters().Length == 1
                ? message => (Exception)constructor.Invoke([message])
                : message => (Exception)constructor.Invoke([message, null]);
        }

        _factories = factories.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The <c>(string message, Exception inner)</c> constructor, else <c>(string message)</c>; the first is preferred
    /// because for ArgumentNullException and ObjectDisposedException the single string is a name, not the message.
    /// </summary>
    public static ConstructorInfo? FindConstructor(Type type) =>
        type.IsAbstract ? null
        : type.GetConstructor([typeof(string), typeof(Exception)]) ?? type.GetConstructor([typeof(string)]);

    /// <summary>
    /// What to send for <paramref name="exception"/>. A <see cref="SiloUnavailableException"/> from a further hop is sent as
    /// a plain <see cref="GrainCallException"/>: the caller reached this silo, so it must not conclude this silo is down.
    /// </summary>
    public static ExceptionPayload ToPayload(Exception exception) =>
        exception is SiloUnavailableException or RemoteGrainException
            ? new ExceptionPayload(typeof(GrainCallException).FullName!, exception.Message)
            : new ExceptionPayload(exception.GetType().FullName ?? exception.GetType().Name, exception.Message);

    /// <summary>The exception to throw at the caller.</summary>
    public Exception FromPayload(ExceptionPayload payload) =>
        _factories.TryGetValue(payload.Type, out var factory)
            ? factory(payload.Message)
            : new RemoteGrainException(payload.Type, payload.Message);
}

/// <summary>
/// The stable name of a grain interface method on the wire: <c>{interface name}.{method name}</c>, with the parameter
/// type names appended in parentheses when the interface declares several methods of that name.
/// </summary>
internal static class GrainMethodId
{
    private static readonly ConcurrentDictionary<MethodInfo, string> Cache = new();

    public static string Of(MethodInfo method) => Cache.GetOrAdd(method, static m =>
    {
        var declaring = m.DeclaringType!;
        var name = $"{declaring.Name}.{m.Name}";
        var overloaded = declaring.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Count(o => o.Name == m.Name) > 1;
        return overloaded ? $"{name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})" : name;
    });
}
