using Cluster.Runtime.Catalog;
using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;
using Cluster.Runtime.References;

namespace Cluster.Runtime.Transport;

/// <summary>
/// Routes calls in a cluster: a grain active on this silo is called in place; any other call goes where the locator
/// says (the owner from the cache or directory, else the silo placement picks, which activates it). A silo answering
/// "not here" names the owner or refuses (it is stopping); the call, which did not run, is sent again there or placed
/// without that silo. A silo picked by placement that refuses the connection is skipped the same way. An owner that cannot
/// be reached fails the call at once (it may have run) and is forgotten for the grain, so the caller's retry goes wherever
/// the grain is once the silo is declared dead.
/// </summary>
internal sealed class ClusterGrainCallRouter(ActivationCatalog catalog, GrainLocator locator, IRemoteGrainInvoker invoker) : IGrainCallRouter
{
    /// <summary>Deliveries of one call before it fails; each "not here" moves it closer to the owner.</summary>
    internal const int MaxAttempts = 5;

    public object Invoke(GrainReference reference, GrainMethod method, object?[] arguments)
    {
        if (catalog.IsActiveHere(reference.GrainId))
        {
            return method.Invoke(reference, arguments);
        }

        var adapters = GrainMethodAdapters.For(method.Method);
        return adapters.FromBoxed(InvokeRoutedAsync(reference, method, adapters, arguments));
    }

    private async Task<object?> InvokeRoutedAsync(GrainReference reference, GrainMethod method, GrainMethodAdapters adapters, object?[] arguments)
    {
        var grainId = reference.GrainId;
        var cancellationToken = method.CancellationTokenIndex >= 0 && arguments[method.CancellationTokenIndex] is CancellationToken token ? token : default;
        List<SiloAddress>? refused = null;
        for (var attempt = 1; ; attempt++)
        {
            var (target, placed) = await locator.LocateAsync(grainId, reference.GrainClass, refused ?? [], cancellationToken).ConfigureAwait(false);
            try
            {
                return target == locator.LocalSilo
                    ? await adapters.ToBoxed(method.Invoke(reference, arguments)).ConfigureAwait(false)
                    : await invoker.InvokeAsync(target.Endpoint, grainId, method.Method, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (NotHereException notHere) when (attempt < MaxAttempts)
            {
                locator.Forget(grainId, target);
                if (notHere.Owner is { } owner && owner != target)
                {
                    locator.Remember(grainId, owner);
                }
                else
                {
                    (refused ??= []).Add(target);
                }
            }
            catch (SiloUnavailableException unavailable) when (placed && unavailable.NotSent && attempt < MaxAttempts)
            {
                // A silo this view still lists as active refused the connection (it has just stopped): the grain has no
                // activation there, so place it without that silo.
                (refused ??= []).Add(target);
            }
            catch (SiloUnavailableException)
            {
                locator.Forget(grainId, target);
                throw;
            }
        }
    }
}
