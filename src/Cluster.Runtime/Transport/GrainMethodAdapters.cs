using System.Collections.Concurrent;
using System.Reflection;

namespace Cluster.Runtime.Transport;

/// <summary>
/// Converts between a grain method's awaitable (<see cref="Task"/>, <see cref="ValueTask"/>, <see cref="Task{TResult}"/>,
/// <see cref="ValueTask{TResult}"/>) and a boxed <c>Task&lt;object?&gt;</c>; built once per method.
/// </summary>
internal sealed class GrainMethodAdapters
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethodAdapters> Cache = new();

    private GrainMethodAdapters(Func<object, Task<object?>> toBoxed, Func<Task<object?>, object> fromBoxed, Type? resultType)
    {
        ToBoxed = toBoxed;
        FromBoxed = fromBoxed;
        ResultType = resultType;
    }

    /// <summary>Awaits the method's awaitable and boxes its result (null for void methods).</summary>
    public Func<object, Task<object?>> ToBoxed { get; }

    /// <summary>Makes the method's awaitable from a boxed result task.</summary>
    public Func<Task<object?>, object> FromBoxed { get; }

    /// <summary>The <c>T</c> of <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c>; null for void methods.</summary>
    public Type? ResultType { get; }

    public static GrainMethodAdapters For(MethodInfo method) => Cache.GetOrAdd(method, Create);

    private static GrainMethodAdapters Create(MethodInfo method)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return new GrainMethodAdapters(AwaitTask, static t => t, null);
        }

        if (returnType == typeof(ValueTask))
        {
            return new GrainMethodAdapters(AwaitValueTask, static t => new ValueTask(t), null);
        }

        if (!returnType.IsGenericType)
        {
            throw new ArgumentException($"{method.DeclaringType}.{method.Name} does not return a task.", nameof(method));
        }

        var definition = returnType.GetGenericTypeDefinition();
        var resultType = returnType.GetGenericArguments()[0];
        var (to, from) = definition == typeof(Task<>) ? (nameof(AwaitTaskOf), nameof(ToTaskOf))
            : definition == typeof(ValueTask<>) ? (nameof(AwaitValueTaskOf), nameof(ToValueTaskOf))
            : throw new ArgumentException($"{method.DeclaringType}.{method.Name} does not return a task.", nameof(method));
        return new GrainMethodAdapters(
            Bind<Func<object, Task<object?>>>(to, resultType),
            Bind<Func<Task<object?>, object>>(from, resultType),
            resultType);
    }

    private static TDelegate Bind<TDelegate>(string name, Type resultType)
        where TDelegate : Delegate =>
        typeof(GrainMethodAdapters).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(resultType).CreateDelegate<TDelegate>();

    private static async Task<object?> AwaitTask(object awaitable)
    {
        await ((Task)awaitable).ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitValueTask(object awaitable)
    {
        await ((ValueTask)awaitable).ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitTaskOf<T>(object awaitable) => await ((Task<T>)awaitable).ConfigureAwait(false);

    private static async Task<object?> AwaitValueTaskOf<T>(object awaitable) => await ((ValueTask<T>)awaitable).ConfigureAwait(false);

    private static object ToTaskOf<T>(Task<object?> boxed) => Unbox<T>(boxed);

    private static object ToValueTaskOf<T>(Task<object?> boxed) => new ValueTask<T>(Unbox<T>(boxed));

    private static async Task<T> Unbox<T>(Task<object?> boxed) => (T)(await boxed.ConfigureAwait(false))!;
}
