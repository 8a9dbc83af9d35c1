namespace Cluster.Runtime;

/// <summary>Read-only view of the activations of this silo, for tests and admin pages.</summary>
public interface IActivationCatalog
{
    /// <summary>Number of live activations (activating or active; not those already deactivating).</summary>
    int Count { get; }

    /// <summary>Identities of the live activations, as a snapshot.</summary>
    IReadOnlyCollection<GrainId> ActiveGrains { get; }
}
