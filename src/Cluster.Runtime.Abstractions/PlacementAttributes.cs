namespace Cluster.Runtime;

/// <summary>
/// Places a new activation on the silo of another grain: the one of class <see cref="ParentGrainClass"/> whose key is
/// this grain's key up to its last <c>/</c> (a track <c>live/event1/video_400000</c> goes where the publishing point
/// <c>live/event1</c> is), so the two call each other without leaving the process. When the parent has no activation,
/// this grain is placed as the parent would be, which puts both on the same silo while membership does not change.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ColocatedPlacementAttribute(Type parentGrainClass) : Attribute
{
    /// <summary>The grain class whose activation this one joins.</summary>
    public Type ParentGrainClass { get; } = parentGrainClass;
}

/// <summary>
/// Places activations of a grain class only on active silos that carry <see cref="Role"/> in their membership row
/// (Orleans' <c>[SiloRoleBasedPlacement]</c>); a call fails while no such silo is active.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SiloRolePlacementAttribute(string role) : Attribute
{
    /// <summary>The role a silo must have, e.g. <c>origin</c>.</summary>
    public string Role { get; } = role;
}
