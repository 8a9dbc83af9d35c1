namespace Cluster.Runtime;

/// <summary>
/// Base class of grain implementations, as in Orleans. Calls reach an activation one at a time (turn-based), so
/// grain code needs no locks; methods marked <see cref="AlwaysInterleaveAttribute"/> are the exception.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The context the runtime attaches before <see cref="OnActivateAsync"/>.</summary>
    protected internal IGrainContext Context
    {
        get => _context ?? throw new InvalidOperationException("The grain has not been activated by the runtime.");
        internal set => _context = value;
    }

    /// <summary>The grain's identity.</summary>
    public GrainId GrainId => Context.GrainId;

    /// <summary>Factory for references to other grains.</summary>
    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>The grain's string key.</summary>
    protected string PrimaryKey => Context.GrainId.Key;

    /// <summary>Called once before the first call is delivered.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called once when the activation ends (idle collection, request, or silo shutdown).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Asks the runtime to deactivate this activation once the current call has finished.</summary>
    protected void DeactivateOnIdle() => Context.Deactivate(DeactivationReason.ApplicationRequested);

    /// <summary>Keeps the activation from idle collection for at least <paramref name="period"/>.</summary>
    protected void DelayDeactivation(TimeSpan period) => Context.DelayDeactivation(period);
}

/// <summary>Why an activation ended.</summary>
public enum DeactivationReason
{
    /// <summary>Not called for longer than its collection age.</summary>
    IdleCollection,

    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,

    /// <summary>The silo is stopping.</summary>
    ShuttingDown,

    /// <summary>Activation failed or the grain threw from <see cref="Grain.OnActivateAsync"/>.</summary>
    ActivationFailed,
}

/// <summary>What the runtime gives one activation.</summary>
public interface IGrainContext
{
    /// <summary>The activation's grain identity.</summary>
    GrainId GrainId { get; }

    /// <summary>Factory for references to other grains.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>Requests deactivation after the current turn.</summary>
    void Deactivate(DeactivationReason reason);

    /// <summary>Postpones idle collection.</summary>
    void DelayDeactivation(TimeSpan period);
}
