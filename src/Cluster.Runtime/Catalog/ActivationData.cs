using Cluster.Runtime.GrainDirectory;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Runtime.Catalog;

/// <summary>
/// One activation of a grain (Orleans' <c>ActivationData</c>): the grain instance, its call queue and its lifecycle.
/// </summary>
/// <remarks>
/// <para>
/// Turn-based: a pump (one at a time, on the thread pool) activates the grain, then delivers queued calls one by one,
/// each to completion across its awaits, in arrival order. Calls to <see cref="AlwaysInterleaveAttribute"/> methods
/// skip the queue once the grain is active and may run at the same time as the current call.
/// </para>
/// <para>
/// A grain that calls itself through a reference (directly or via other grains) waits for its own turn to finish and
/// deadlocks, as in Orleans without reentrancy; this runtime does not detect it.
/// </para>
/// <para>
/// Deactivation (idle collection, <see cref="Grain.DeactivateOnIdle"/>, shutdown) retires the activation at once: new
/// calls go to a fresh activation, which activates only after this one's <see cref="Grain.OnDeactivateAsync"/> has
/// finished. Calls already queued when deactivation starts are still delivered here first, so callers keep FIFO order.
/// </para>
/// </remarks>
internal sealed class ActivationData : IGrainContext, IThreadPoolWorkItem
{
    private readonly object _lock = new();
    private readonly ActivationCatalog _catalog;
    private readonly GrainClassInfo _grainClass;
    private readonly Task? _predecessor;
    private readonly Queue<WorkItem> _queue = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private State _state;
    private bool _activated;
    private bool _pumpRunning;
    private bool _retired;
    private bool _turnRunning;
    private int _interleaved;
    private TaskCompletionSource? _interleavedDone;
    private DeactivationReason _reason;
    private DateTimeOffset _lastActivity;
    private DateTimeOffset _keepAliveUntil;
    private Grain? _grain;
    private bool _registered;

    // Mirrors _state == Valid for lock-free reads: routing asks it on every call, beside the enqueue's own lock.
    private volatile bool _active;

    public ActivationData(ActivationCatalog catalog, GrainId grainId, GrainClassInfo grainClass, Task? predecessor)
    {
        _catalog = catalog;
        GrainId = grainId;
        _grainClass = grainClass;
        _predecessor = predecessor;
        _lastActivity = catalog.TimeProvider.GetUtcNow();
        _keepAliveUntil = DateTimeOffset.MinValue;
    }

    private enum State
    {
        /// <summary>Created; calls queue up while the grain activates.</summary>
        Activating,

        /// <summary>OnActivateAsync succeeded; calls are delivered.</summary>
        Valid,

        /// <summary>Retired: queued calls drain, then OnDeactivateAsync; new calls go elsewhere.</summary>
        Deactivating,

        /// <summary>Finished or failed.</summary>
        Invalid,
    }

    public GrainId GrainId { get; }

    /// <summary>Tells this activation from earlier and later ones of the same grain in the directory.</summary>
    public Guid ActivationId { get; } = Guid.NewGuid();

    /// <summary>Past OnActivateAsync and not deactivating: calls to it need no routing.</summary>
    public bool IsActive => _active;

    public IGrainFactory GrainFactory => _catalog.GrainFactory;

    /// <summary>Completes when the activation has ended (after OnDeactivateAsync, or after a failed activation).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Accepts a call unless the activation has retired.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        bool runNow;
        lock (_lock)
        {
            if (_state >= State.Deactivating)
            {
                return false;
            }

            runNow = item.AlwaysInterleave && _state == State.Valid;
            if (runNow)
            {
                _interleaved++;
            }
            else
            {
                _queue.Enqueue(item);
                StartPumpLocked();
            }
        }

        if (runNow)
        {
            _ = RunInterleavedAsync(item);
        }

        return true;
    }

    public void Deactivate(DeactivationReason reason)
    {
        lock (_lock)
        {
            if (_state < State.Deactivating)
            {
                BeginDeactivationLocked(reason);
                StartPumpLocked();
            }
        }
    }

    public void DelayDeactivation(TimeSpan period)
    {
        var now = _catalog.TimeProvider.GetUtcNow();
        lock (_lock)
        {
            _keepAliveUntil = period <= TimeSpan.Zero ? DateTimeOffset.MinValue
                : period >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue
                : now + period;
        }
    }

    /// <summary>Retires the activation if it is active, idle (nothing queued or running) and past its collection age.</summary>
    public bool TryCollectIdle(DateTimeOffset now)
    {
        if (_grainClass.KeepAlive)
        {
            return false;
        }

        lock (_lock)
        {
            if (_state != State.Valid || _turnRunning || _queue.Count > 0 || _interleaved > 0
                || now - _lastActivity < _grainClass.CollectionAge || now < _keepAliveUntil)
            {
                return false;
            }

            BeginDeactivationLocked(DeactivationReason.IdleCollection);
            StartPumpLocked();
            return true;
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = PumpAsync();

    private void BeginDeactivationLocked(DeactivationReason reason)
    {
        _state = State.Deactivating;
        _active = false;
        _reason = reason;
        RetireLocked();
    }

    private void RetireLocked()
    {
        if (!_retired)
        {
            _retired = true;
            _catalog.Retire(this);
        }
    }

    private void StartPumpLocked()
    {
        if (!_pumpRunning)
        {
            _pumpRunning = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private async Task PumpAsync()
    {
        if (!_activated)
        {
            bool skip;
            lock (_lock)
            {
                // Retired before any call arrived (shutdown raced with the first call): nothing to activate for.
                skip = _state == State.Deactivating && _queue.Count == 0;
            }

            if (skip)
            {
                lock (_lock)
                {
                    _state = State.Invalid;
                    _pumpRunning = false;
                }

                Finish();
                return;
            }

            if (!await ActivateAsync().ConfigureAwait(false))
            {
                return;
            }
        }

        while (true)
        {
            WorkItem? item;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out item))
                {
                    if (_state != State.Deactivating)
                    {
                        _pumpRunning = false;
                        return;
                    }
                }
                else if (item.AlwaysInterleave)
                {
                    _interleaved++;
                }
                else
                {
                    _turnRunning = true;
                }
            }

            if (item is null)
            {
                await DeactivateAsync().ConfigureAwait(false);
                return;
            }

            if (item.AlwaysInterleave)
            {
                _ = RunInterleavedAsync(item);
                continue;
            }

            var started = item.TryStart();
            if (started)
            {
                await item.InvokeAsync(_grain!).ConfigureAwait(false);
            }

            var now = _catalog.TimeProvider.GetUtcNow();
            lock (_lock)
            {
                _turnRunning = false;
                if (started)
                {
                    _lastActivity = now;
                }
            }

            if (started)
            {
                item.Complete();
            }
        }
    }

    private async Task RunInterleavedAsync(WorkItem item)
    {
        var started = item.TryStart();
        try
        {
            if (started)
            {
                await item.InvokeAsync(_grain!).ConfigureAwait(false);
            }
        }
        finally
        {
            var now = _catalog.TimeProvider.GetUtcNow();
            TaskCompletionSource? done = null;
            lock (_lock)
            {
                _lastActivity = now;
                if (--_interleaved == 0)
                {
                    done = _interleavedDone;
                    _interleavedDone = null;
                }
            }

            done?.TrySetResult();
            if (started)
            {
                item.Complete();
            }
        }
    }

    private async Task<bool> ActivateAsync()
    {
        try
        {
            if (_predecessor is not null)
            {
                await _predecessor.ConfigureAwait(false);
            }

            // Register before any grain code runs: at most one activation of a grain in the cluster.
            if (_catalog.Locator is { } locator)
            {
                if (await locator.RegisterAsync(GrainId, ActivationId, _catalog.StoppingToken).ConfigureAwait(false) is { } refusal)
                {
                    FailActivation(refusal);
                    return false;
                }

                _registered = true;
            }

            var grain = (Grain)ActivatorUtilities.CreateInstance(_catalog.Services, _grainClass.GrainClass);
            grain.Context = this;
            _grain = grain;
            await grain.OnActivateAsync(_catalog.StoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _catalog.Logger.ActivationFailed(GrainId, exception);
            await UnregisterAsync().ConfigureAwait(false);
            FailActivation(new GrainCallException($"Activation of grain {GrainId} failed: {exception.Message}", exception));
            return false;
        }

        var now = _catalog.TimeProvider.GetUtcNow();
        lock (_lock)
        {
            _activated = true;
            _lastActivity = now;
            if (_state == State.Activating)
            {
                _state = State.Valid;
                _active = true;
            }
        }

        _catalog.Logger.ActivationCreated(GrainId);
        return true;
    }

    private async Task DeactivateAsync()
    {
        Task? interleaved = null;
        lock (_lock)
        {
            if (_interleaved > 0)
            {
                _interleavedDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                interleaved = _interleavedDone.Task;
            }
        }

        if (interleaved is not null)
        {
            await interleaved.ConfigureAwait(false);
        }

        // The timeout's timer exists before OnDeactivateAsync starts, so a test clock advanced while the grain is
        // deactivating always counts. The grain sees the timeout through its token; if it ignores it, it is abandoned.
        var timeout = _catalog.Options.DeactivationTimeout;
        using var timeoutSource = new CancellationTokenSource(timeout, _catalog.TimeProvider);
        var timedOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = timeoutSource.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), timedOut);
        Task deactivation;
        try
        {
            deactivation = _grain!.OnDeactivateAsync(_reason, timeoutSource.Token);
        }
        catch (Exception exception)
        {
            deactivation = Task.FromException(exception);
        }

        if (await Task.WhenAny(deactivation, timedOut.Task).ConfigureAwait(false) != deactivation)
        {
            _catalog.Logger.DeactivationTimedOut(GrainId, _reason, timeout);
        }
        else if (deactivation.IsCompletedSuccessfully)
        {
            _catalog.Logger.ActivationDeactivated(GrainId, _reason);
        }
        else
        {
            _catalog.Logger.DeactivationFailed(GrainId, _reason, deactivation.Exception?.InnerException ?? new OperationCanceledException());
        }

        await UnregisterAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _state = State.Invalid;
            _pumpRunning = false;
        }

        Finish();
    }

    /// <summary>Ends an activation that never ran: its queued calls fail with <paramref name="error"/>.</summary>
    private void FailActivation(Exception error)
    {
        List<WorkItem> failed;
        lock (_lock)
        {
            _state = State.Invalid;
            _reason = DeactivationReason.ActivationFailed;
            RetireLocked();
            failed = [.. _queue];
            _queue.Clear();
            _pumpRunning = false;
        }

        foreach (var item in failed)
        {
            item.Fail(error);
        }

        Finish();
    }

    /// <summary>Removes this activation's directory entry, unless the silo is simulating a crash (a dead process writes nothing).</summary>
    private async Task UnregisterAsync()
    {
        if (!_registered || _catalog.Crashed || _catalog.Locator is not { } locator)
        {
            return;
        }

        _registered = false;
        try
        {
            await locator.UnregisterAsync(GrainId, ActivationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _catalog.Logger.UnregisterFailed(GrainId, exception);
        }
    }

    private void Finish()
    {
        _catalog.Retired(this);
        _completion.TrySetResult();
    }
}
