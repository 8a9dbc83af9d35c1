using System.Reflection;
using Cluster.Runtime.Catalog;

namespace Cluster.Runtime.References;

/// <summary>Hands out <see cref="GrainReference"/> proxies; references are cheap and do not activate anything by themselves.</summary>
internal sealed class GrainFactory(ActivationCatalog catalog) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var (metadata, grainClass) = catalog.GetInterface(typeof(TGrainInterface));
        var proxy = DispatchProxy.Create(typeof(TGrainInterface), typeof(GrainReference));
        ((GrainReference)proxy).Initialize(catalog, metadata, grainClass, new GrainId(grainClass.TypeName, key));
        return (TGrainInterface)proxy;
    }
}
