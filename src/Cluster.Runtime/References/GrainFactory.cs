using System.Reflection;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Runtime.References;

/// <summary>Hands out <see cref="GrainReference"/> proxies; references are cheap and do not activate anything by themselves.</summary>
internal sealed class GrainFactory(ActivationCatalog catalog) : IGrainFactory
{
    // Resolved on first use, not in the catalog's constructor, so a router may depend on services that need the catalog.
    private readonly Lazy<IGrainCallRouter?> _router = new(() => catalog.Services.GetService<IGrainCallRouter>());

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var (metadata, grainClass) = catalog.GetInterface(typeof(TGrainInterface));
        var proxy = DispatchProxy.Create(typeof(TGrainInterface), typeof(GrainReference));
        ((GrainReference)proxy).Initialize(catalog, metadata, grainClass, new GrainId(grainClass.TypeName, key), _router.Value);
        return (TGrainInterface)proxy;
    }
}
