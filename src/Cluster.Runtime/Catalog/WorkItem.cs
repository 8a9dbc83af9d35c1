namespace Cluster.Runtime.Catalog;

/// <summary>One grain call on its way to an activation. Completes the caller's task exactly once.</summary>
internal abstract class WorkItem
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private readonly object?[] _arguments;
    private readonly CancellationToken _cancellationToken;
    private CancellationTokenRegistration _registration;
    private int _state;

    protected WorkItem(object?[] arguments, bool alwaysInterleave, CancellationToken cancellationToken)
    {
        _arguments = arguments;
        AlwaysInterleave = alwaysInterleave;
        _cancellationToken = cancellationToken;
    }

    public bool AlwaysInterleave { get; }

    protected object?[] Arguments => _arguments;

    /// <summary>Starts watching the caller's token: a cancellation before delivery completes the call as cancelled.</summary>
    public void WatchCancellation()
    {
        if (_cancellationToken.CanBeCanceled)
        {
            _registration = _cancellationToken.UnsafeRegister(static s => ((WorkItem)s!).OnCancelled(), this);
        }
    }

    /// <summary>Claims the item for delivery; false when it was cancelled (or failed) while queued.</summary>
    public bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _state, Started, Queued) != Queued)
        {
            return false;
        }

        _registration.Unregister();
        return true;
    }

    /// <summary>Fails the call without delivering it; no effect once started.</summary>
    public void Fail(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            _registration.Unregister();
            SetException(exception);
        }
    }

    /// <summary>
    /// Runs the grain method and keeps its outcome for <see cref="Complete"/>. Never throws. The activation updates its
    /// bookkeeping in between, so a caller that sees its call finished also sees the activation idle.
    /// </summary>
    public abstract Task InvokeAsync(Grain grain);

    /// <summary>Hands the outcome of <see cref="InvokeAsync"/> to the caller (the exception unchanged if the grain threw).</summary>
    public abstract void Complete();

    protected abstract void SetCanceled(CancellationToken cancellationToken);

    protected abstract void SetException(Exception exception);

    private void OnCancelled()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            SetCanceled(_cancellationToken);
        }
    }
}

/// <summary>A call whose method returns <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
internal sealed class VoidWorkItem(Func<object, object?[], ValueTask> invoker, object?[] arguments, bool alwaysInterleave, CancellationToken cancellationToken)
    : WorkItem(arguments, alwaysInterleave, cancellationToken)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    private Exception? _exception;

    public override async Task InvokeAsync(Grain grain)
    {
        try
        {
            await invoker(grain, Arguments).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _exception = exception;
        }
    }

    public override void Complete()
    {
        if (_exception is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(_exception);
        }
    }

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

    protected override void SetException(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>A call whose method returns <see cref="Task{TResult}"/> or <see cref="ValueTask{TResult}"/>.</summary>
internal sealed class ResultWorkItem<TResult>(Func<object, object?[], ValueTask<TResult>> invoker, object?[] arguments, bool alwaysInterleave, CancellationToken cancellationToken)
    : WorkItem(arguments, alwaysInterleave, cancellationToken)
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => _completion.Task;

    private TResult? _result;
    private Exception? _exception;

    public override async Task InvokeAsync(Grain grain)
    {
        try
        {
            _result = await invoker(grain, Arguments).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _exception = exception;
        }
    }

    public override void Complete()
    {
        if (_exception is null)
        {
            _completion.TrySetResult(_result!);
        }
        else
        {
            _completion.TrySetException(_exception);
        }
    }

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

    protected override void SetException(Exception exception) => _completion.TrySetException(exception);
}
