using System.Reflection;

namespace Cluster.Runtime.Catalog;

/// <summary>What the runtime needs to know about a grain class: its type name, idle collection and placement policy.</summary>
internal sealed class GrainClassInfo
{
    public GrainClassInfo(Type grainClass, TimeSpan defaultCollectionAge)
    {
        GrainClass = grainClass;
        TypeName = TypeNameOf(grainClass);
        KeepAlive = grainClass.IsDefined(typeof(KeepAliveAttribute), inherit: true);
        CollectionAge = grainClass.GetCustomAttribute<CollectionAgeLimitAttribute>(inherit: true)?.Amount ?? defaultCollectionAge;
        ColocatedWith = grainClass.GetCustomAttribute<ColocatedPlacementAttribute>(inherit: true) is { } colocated ? TypeNameOf(colocated.ParentGrainClass) : null;
        Role = grainClass.GetCustomAttribute<SiloRolePlacementAttribute>(inherit: true)?.Role;
    }

    public Type GrainClass { get; }

    /// <summary>The <see cref="GrainId.Type"/> of its grains: the class name in lower case, e.g. <c>trackgrain</c>.</summary>
    public string TypeName { get; }

    /// <summary>Never idle-collected (<see cref="KeepAliveAttribute"/>).</summary>
    public bool KeepAlive { get; }

    /// <summary>Idle time after which an activation is collected.</summary>
    public TimeSpan CollectionAge { get; }

    /// <summary>Type name of the grain class whose activation new activations join (<see cref="ColocatedPlacementAttribute"/>), else null.</summary>
    public string? ColocatedWith { get; }

    /// <summary>The silo role new activations need (<see cref="SiloRolePlacementAttribute"/>), else null.</summary>
    public string? Role { get; }

    public static string TypeNameOf(Type grainClass) => grainClass.Name.ToLowerInvariant();
}
