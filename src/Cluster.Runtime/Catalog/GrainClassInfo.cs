using System.Reflection;

namespace Cluster.Runtime.Catalog;

/// <summary>What the catalog needs to know about a grain class: its type name and idle collection policy.</summary>
internal sealed class GrainClassInfo
{
    public GrainClassInfo(Type grainClass, TimeSpan defaultCollectionAge)
    {
        GrainClass = grainClass;
        TypeName = grainClass.Name.ToLowerInvariant();
        KeepAlive = grainClass.IsDefined(typeof(KeepAliveAttribute), inherit: true);
        CollectionAge = grainClass.GetCustomAttribute<CollectionAgeLimitAttribute>(inherit: true)?.Amount ?? defaultCollectionAge;
    }

    public Type GrainClass { get; }

    /// <summary>The <see cref="GrainId.Type"/> of its grains: the class name in lower case, e.g. <c>trackgrain</c>.</summary>
    public string TypeName { get; }

    /// <summary>Never idle-collected (<see cref="KeepAliveAttribute"/>).</summary>
    public bool KeepAlive { get; }

    /// <summary>Idle time after which an activation is collected.</summary>
    public TimeSpan CollectionAge { get; }
}
