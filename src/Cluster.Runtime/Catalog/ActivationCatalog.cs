using System.Collections.Concurrent;
using System.Collections.Frozen;
using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.References;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Catalog;

/// <summary>
/// The activations of this silo (Orleans' <c>Catalog</c>): at most one live activation per grain, created on the first
/// call. A retired activation (deactivating or failed) is out of the table at once; an activation created for the same
/// grain afterwards waits for the retired one's <see cref="Grain.OnDeactivateAsync"/> before running its own
/// <see cref="Grain.OnActivateAsync"/>, so two activations of one grain never run grain code at the same time.
/// </summary>
internal sealed class ActivationCatalog : IActivationCatalog
{
    private readonly object _lock = new();
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly Dictionary<GrainId, ActivationData> _retiring = [];
    private readonly FrozenDictionary<Type, (GrainInterfaceMetadata Metadata, GrainClassInfo Class)> _interfaces;
    private readonly CancellationTokenSource _stopping = new();
    private readonly FrozenDictionary<string, GrainClassInfo> _classes;
    private readonly Lazy<GrainLocator?> _locator;

    public ActivationCatalog(
        IServiceProvider services,
        IEnumerable<GrainRegistration> registrations,
        IOptions<GrainCollectionOptions> options,
        TimeProvider timeProvider,
        ILogger<ActivationCatalog> logger)
    {
        Services = services;
        Options = options.Value;
        TimeProvider = timeProvider;
        Logger = logger;
        GrainFactory = new GrainFactory(this);

        var classes = new Dictionary<Type, GrainClassInfo>();
        var typeNames = new Dictionary<string, Type>();
        var interfaces = new Dictionary<Type, (GrainInterfaceMetadata, GrainClassInfo)>();
        foreach (var registration in registrations)
        {
            if (!classes.TryGetValue(registration.GrainClass, out var grainClass))
            {
                grainClass = new GrainClassInfo(registration.GrainClass, Options.CollectionAge);
                if (typeNames.TryGetValue(grainClass.TypeName, out var clash))
                {
                    throw new InvalidOperationException($"Grain classes {clash} and {registration.GrainClass} have the same grain type name '{grainClass.TypeName}'.");
                }

                typeNames.Add(grainClass.TypeName, registration.GrainClass);
                classes.Add(registration.GrainClass, grainClass);
            }

            interfaces.TryAdd(registration.InterfaceType, (registration.Interface, grainClass));
        }

        _interfaces = interfaces.ToFrozenDictionary();
        _classes = classes.Values.ToFrozenDictionary(c => c.TypeName, StringComparer.Ordinal);

        // Resolved on first activation: the locator needs the catalog, so it cannot be a constructor argument.
        _locator = new Lazy<GrainLocator?>(() => services.GetService<GrainLocator>());
    }

    public IGrainFactory GrainFactory { get; }

    public IServiceProvider Services { get; }

    public GrainCollectionOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    /// <summary>Cancelled when the silo starts shutting down; given to <see cref="Grain.OnActivateAsync"/>.</summary>
    public CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Registers activations in the grain directory; null when the silo runs alone, without a cluster.</summary>
    public GrainLocator? Locator => _locator.Value;

    /// <summary>Set by a simulated crash: activations end without writing to the directory, as a dead process would.</summary>
    public bool Crashed { get; private set; }

    public int Count => _activations.Count;

    public IReadOnlyCollection<GrainId> ActiveGrains => [.. _activations.Keys];

    public (GrainInterfaceMetadata Metadata, GrainClassInfo Class) GetInterface(Type interfaceType) =>
        _interfaces.TryGetValue(interfaceType, out var entry)
            ? entry
            : throw new InvalidOperationException($"No grain class is registered for {interfaceType}; call services.AddGrain<{interfaceType.Name}, TGrain>().");

    /// <summary>The registered grain class of that type name, or null.</summary>
    public GrainClassInfo? FindClass(string typeName) => _classes.GetValueOrDefault(typeName);

    /// <summary>Whether the grain has an activation here that is active (registered and past OnActivateAsync).</summary>
    public bool IsActiveHere(GrainId grainId) => _activations.TryGetValue(grainId, out var activation) && activation.IsActive;

    /// <summary>Makes the rest of this silo's life write nothing to the directory (for simulated crashes).</summary>
    public void Crash() => Crashed = true;

    /// <summary>Delivers <paramref name="item"/> to the grain's activation, creating one if needed. Failures complete the item.</summary>
    public void Send(GrainId grainId, GrainClassInfo grainClass, WorkItem item)
    {
        item.WatchCancellation();
        while (true)
        {
            if (!_activations.TryGetValue(grainId, out var activation))
            {
                activation = GetOrCreate(grainId, grainClass);
                if (activation is null)
                {
                    // In a cluster the caller re-routes the call to another silo; alone, there is nowhere else.
                    item.Fail(Locator is null
                        ? new GrainCallException($"Cannot activate grain {grainId}: the silo is shutting down.")
                        : new NotHereException(grainId, null, "the silo is shutting down"));
                    return;
                }
            }

            // Fails only if the activation retired meanwhile; it has then left the table, so the retry finds or makes a new one.
            if (activation.TryEnqueue(item))
            {
                return;
            }
        }
    }

    /// <summary>Starts deactivating idle activations; the task completes when they have finished.</summary>
    public Task CollectIdleAsync()
    {
        var now = TimeProvider.GetUtcNow();
        List<Task>? collected = null;
        foreach (var activation in _activations.Values)
        {
            if (activation.TryCollectIdle(now))
            {
                (collected ??= []).Add(activation.Completion);
            }
        }

        if (collected is null)
        {
            return Task.CompletedTask;
        }

        Logger.IdleCollection(collected.Count);
        return Task.WhenAll(collected);
    }

    /// <summary>
    /// Stops creating activations and deactivates every activation with <see cref="DeactivationReason.ShuttingDown"/>,
    /// after the calls already queued to it. Completes when all have finished (or <paramref name="cancellationToken"/> fires).
    /// </summary>
    public async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }
        }

        var live = _activations.Values.ToList();
        Logger.ShuttingDown(live.Count);
        foreach (var activation in live)
        {
            activation.Deactivate(DeactivationReason.ShuttingDown);
        }

        Task[] pending;
        lock (_lock)
        {
            pending = [.. live.Select(a => a.Completion), .. _retiring.Values.Select(a => a.Completion)];
        }

        var all = Task.WhenAll(pending);
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Logger.ShutdownAbandoned(pending.Count(t => !t.IsCompleted));
        }
    }

    /// <summary>Takes a retiring activation out of the table; called by the activation under its own lock.</summary>
    internal void Retire(ActivationData activation)
    {
        lock (_lock)
        {
            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
            _retiring[activation.GrainId] = activation;
        }
    }

    /// <summary>Forgets a retired activation once its deactivation has finished.</summary>
    internal void Retired(ActivationData activation)
    {
        lock (_lock)
        {
            if (_retiring.TryGetValue(activation.GrainId, out var current) && current == activation)
            {
                _retiring.Remove(activation.GrainId);
            }
        }
    }

    private ActivationData? GetOrCreate(GrainId grainId, GrainClassInfo grainClass)
    {
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return null;
            }

            if (_activations.TryGetValue(grainId, out var activation))
            {
                return activation;
            }

            var predecessor = _retiring.TryGetValue(grainId, out var retiring) ? retiring.Completion : null;
            activation = new ActivationData(this, grainId, grainClass, predecessor);
            _activations[grainId] = activation;
            return activation;
        }
    }
}
