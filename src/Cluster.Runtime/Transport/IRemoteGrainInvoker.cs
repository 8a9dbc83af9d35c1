using System.Reflection;

namespace Cluster.Runtime.Transport;

/// <summary>
/// Sends one grain call to the activation on another silo over HTTP (the client end of the silo-to-silo transport;
/// the server end is <see cref="GrainCallEndpointRouteBuilderExtensions.MapClusterGrainCalls"/>).
/// </summary>
public interface IRemoteGrainInvoker
{
    /// <summary>
    /// Calls <paramref name="method"/> of grain <paramref name="grainId"/> on the silo at <paramref name="siloEndpoint"/>
    /// and returns its result (<see langword="null"/> for methods returning <see cref="Task"/> or <see cref="ValueTask"/>).
    /// </summary>
    /// <param name="siloEndpoint"><c>host:port</c> (as in <c>SiloAddress.Endpoint</c>) or an absolute <c>http://</c> base URI.</param>
    /// <param name="grainId">The grain; its <see cref="GrainId.Type"/> must be registered on the remote silo.</param>
    /// <param name="method">A method of a grain interface; a <see cref="CancellationToken"/> argument is not sent but cancels the call.</param>
    /// <param name="arguments">The arguments, one per parameter of <paramref name="method"/>.</param>
    /// <param name="timeout">How long the call may take, queueing included; default <see cref="GrainCallOptions.ResponseTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the call (a queued call is then never delivered).</param>
    /// <exception cref="TimeoutException">The deadline passed.</exception>
    /// <exception cref="SiloUnavailableException">The silo could not be reached or the connection failed.</exception>
    /// <exception cref="GrainCallException">The remote runtime failed the call (unknown grain type or method, activation failed, silo stopping).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> or the method's token argument was cancelled.</exception>
    /// <remarks>Exceptions thrown by grain code are rethrown as the same type when it is a known type, else as <see cref="RemoteGrainException"/>.</remarks>
    Task<object?> InvokeAsync(
        string siloEndpoint,
        GrainId grainId,
        MethodInfo method,
        object?[] arguments,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default);
}
