using System.Reflection;
using Cluster.Runtime.Catalog;
using Cluster.Runtime.Transport;

namespace Cluster.Runtime.References;

/// <summary>
/// The object behind a grain reference: a <see cref="DispatchProxy"/> that implements the grain interface and turns each
/// call into a message to the grain's activation. Two references to the same grain and interface are equal.
/// </summary>
internal class GrainReference : DispatchProxy
{
    private ActivationCatalog? _catalog;
    private GrainInterfaceMetadata? _interface;
    private IGrainCallRouter? _router;

    public ActivationCatalog Catalog => _catalog ?? throw new InvalidOperationException("Grain reference is not initialised.");

    public GrainId GrainId { get; private set; }

    public GrainClassInfo GrainClass { get; private set; } = null!;

    /// <summary>Sets the reference up; a null <paramref name="router"/> sends every call to the local catalog directly.</summary>
    public void Initialize(ActivationCatalog catalog, GrainInterfaceMetadata metadata, GrainClassInfo grainClass, GrainId grainId, IGrainCallRouter? router = null)
    {
        _catalog = catalog;
        _router = router;
        _interface = metadata;
        GrainClass = grainClass;
        GrainId = grainId;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) =>
        obj is GrainReference other && other.GrainId == GrainId && other._interface == _interface && other._catalog == _catalog;

    /// <inheritdoc/>
    public override int GetHashCode() => GrainId.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"GrainReference:{GrainId}";

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var metadata = _interface ?? throw new InvalidOperationException("Grain reference is not initialised.");
        var method = metadata.GetMethod(targetMethod);
        var router = _router;
        return router is null ? method.Invoke(this, args ?? []) : router.Invoke(this, method, args ?? []);
    }
}
