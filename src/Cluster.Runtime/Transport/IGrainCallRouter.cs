using Cluster.Runtime.References;

namespace Cluster.Runtime.Transport;

/// <summary>
/// Where a call made through a grain reference goes: the seam between <see cref="GrainReference"/> and the transport.
/// Returns the grain method's awaitable. Resolved once per grain factory; when none is registered, references call the
/// local catalog directly.
/// </summary>
internal interface IGrainCallRouter
{
    object Invoke(GrainReference reference, GrainMethod method, object?[] arguments);
}

/// <summary>Every call to the local catalog (the single-silo behaviour).</summary>
internal sealed class LocalGrainCallRouter : IGrainCallRouter
{
    public object Invoke(GrainReference reference, GrainMethod method, object?[] arguments) => method.Invoke(reference, arguments);
}

/// <summary>
/// Asks <c>locate</c> where the grain lives: null means this silo (the local path), otherwise the endpoint of the silo
/// the call is sent to with <see cref="IRemoteGrainInvoker"/>. Placement and the grain directory plug in through
/// <c>locate</c>.
/// </summary>
internal sealed class RemoteGrainCallRouter(IRemoteGrainInvoker invoker, Func<GrainId, string?> locate) : IGrainCallRouter
{
    public object Invoke(GrainReference reference, GrainMethod method, object?[] arguments)
    {
        var adapters = GrainMethodAdapters.For(method.Method);
        string? endpoint;
        try
        {
            endpoint = locate(reference.GrainId);
        }
        catch (Exception exception)
        {
            return adapters.FromBoxed(Task.FromException<object?>(exception));
        }

        return endpoint is null
            ? method.Invoke(reference, arguments)
            : adapters.FromBoxed(invoker.InvokeAsync(endpoint, reference.GrainId, method.Method, arguments));
    }
}
