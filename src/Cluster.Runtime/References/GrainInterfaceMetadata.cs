using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using Cluster.Runtime.Catalog;

namespace Cluster.Runtime.References;

/// <summary>Per-interface method table, built once at registration so a call costs one dictionary lookup.</summary>
internal sealed class GrainInterfaceMetadata
{
    private readonly FrozenDictionary<MethodInfo, GrainMethod> _methods;

    private GrainInterfaceMetadata(Type interfaceType, FrozenDictionary<MethodInfo, GrainMethod> methods)
    {
        InterfaceType = interfaceType;
        _methods = methods;
    }

    public Type InterfaceType { get; }

    public IEnumerable<GrainMethod> Methods => _methods.Values;

    /// <summary>Builds the table; throws <see cref="ArgumentException"/> for a method the runtime cannot call.</summary>
    public static GrainInterfaceMetadata Create(Type interfaceType)
    {
        if (!interfaceType.IsInterface)
        {
            throw new ArgumentException($"{interfaceType} is not an interface.", nameof(interfaceType));
        }

        var methods = new Dictionary<MethodInfo, GrainMethod>();
        foreach (var type in interfaceType.GetInterfaces().Append(interfaceType))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            {
                if (method.IsAbstract)
                {
                    methods[method] = GrainMethod.Create(interfaceType, method);
                }
            }
        }

        return new GrainInterfaceMetadata(interfaceType, methods.ToFrozenDictionary());
    }

    public GrainMethod GetMethod(MethodInfo method) =>
        _methods.TryGetValue(method, out var grainMethod)
            ? grainMethod
            : throw new InvalidOperationException($"{method.DeclaringType}.{method.Name} is not a method of grain interface {InterfaceType}.");
}

/// <summary>How to call one grain interface method: queued or interleaved, where its cancellation token is, and a compiled invoker.</summary>
internal abstract class GrainMethod
{
    protected GrainMethod(MethodInfo method)
    {
        Method = method;
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        CancellationTokenIndex = Array.FindIndex(method.GetParameters(), p => p.ParameterType == typeof(CancellationToken));
    }

    public MethodInfo Method { get; }

    public bool AlwaysInterleave { get; }

    public int CancellationTokenIndex { get; }

    /// <summary>Sends the call and returns the method's awaitable (never throws synchronously).</summary>
    public object Invoke(GrainReference reference, object?[] arguments) => Invoke(reference, arguments, GetCancellationToken(arguments));

    /// <summary>
    /// Sends the call; <paramref name="callCancellation"/> (rather than the method's own token argument) cancels it while
    /// it is still queued. Used by the silo-to-silo transport to apply a remote call's deadline and disconnect.
    /// </summary>
    public abstract object Invoke(GrainReference reference, object?[] arguments, CancellationToken callCancellation);

    public static GrainMethod Create(Type interfaceType, MethodInfo method)
    {
        string Describe() => $"Grain interface method {interfaceType.Name}.{method.Name} (declared on {method.DeclaringType})";
        if (method.IsGenericMethodDefinition)
        {
            throw new ArgumentException($"{Describe()} is generic; grain methods cannot be generic.", nameof(method));
        }

        if (method.GetParameters().Any(p => p.ParameterType.IsByRef || p.ParameterType.IsPointer))
        {
            throw new ArgumentException($"{Describe()} has a ref, out, in or pointer parameter; grain methods cannot.", nameof(method));
        }

        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return new VoidGrainMethod(method, valueTask: false);
        }

        if (returnType == typeof(ValueTask))
        {
            return new VoidGrainMethod(method, valueTask: true);
        }

        if (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            var resultType = returnType.GetGenericArguments()[0];
            var valueTask = returnType.GetGenericTypeDefinition() == typeof(ValueTask<>);
            return (GrainMethod)Activator.CreateInstance(typeof(ResultGrainMethod<>).MakeGenericType(resultType), method, valueTask)!;
        }

        throw new ArgumentException(
            $"{Describe()} returns {returnType}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>.", nameof(method));
    }

    /// <summary>Compiles <c>(grain, args) =&gt; new TAwaitable(((TInterface)grain).Method((T0)args[0], ...))</c>.</summary>
    protected static Func<object, object?[], TAwaitable> Compile<TAwaitable>(MethodInfo method)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters();
        var call = Expression.Call(
            Expression.Convert(grain, method.DeclaringType!),
            method,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType)));
        Expression body = method.ReturnType == typeof(TAwaitable)
            ? call
            : Expression.New(typeof(TAwaitable).GetConstructor([method.ReturnType])!, call);
        return Expression.Lambda<Func<object, object?[], TAwaitable>>(body, grain, args).Compile();
    }

    protected CancellationToken GetCancellationToken(object?[] arguments) =>
        CancellationTokenIndex >= 0 && arguments[CancellationTokenIndex] is CancellationToken token ? token : default;
}

/// <summary>A method returning <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
internal sealed class VoidGrainMethod(MethodInfo method, bool valueTask) : GrainMethod(method)
{
    private readonly Func<object, object?[], ValueTask> _invoker = Compile<ValueTask>(method);

    public override object Invoke(GrainReference reference, object?[] arguments, CancellationToken callCancellation)
    {
        var cancellationToken = callCancellation;
        Task task;
        if (cancellationToken.IsCancellationRequested)
        {
            task = Task.FromCanceled(cancellationToken);
        }
        else
        {
            var item = new VoidWorkItem(_invoker, arguments, AlwaysInterleave, cancellationToken);
            reference.Catalog.Send(reference.GrainId, reference.GrainClass, item);
            task = item.Task;
        }

        return valueTask ? new ValueTask(task) : task;
    }
}

/// <summary>A method returning <see cref="Task{TResult}"/> or <see cref="ValueTask{TResult}"/>.</summary>
internal sealed class ResultGrainMethod<TResult>(MethodInfo method, bool valueTask) : GrainMethod(method)
{
    private readonly Func<object, object?[], ValueTask<TResult>> _invoker = Compile<ValueTask<TResult>>(method);

    public override object Invoke(GrainReference reference, object?[] arguments, CancellationToken callCancellation)
    {
        var cancellationToken = callCancellation;
        Task<TResult> task;
        if (cancellationToken.IsCancellationRequested)
        {
            task = Task.FromCanceled<TResult>(cancellationToken);
        }
        else
        {
            var item = new ResultWorkItem<TResult>(_invoker, arguments, AlwaysInterleave, cancellationToken);
            reference.Catalog.Send(reference.GrainId, reference.GrainClass, item);
            task = item.Task;
        }

        return valueTask ? new ValueTask<TResult>(task) : task;
    }
}
