namespace Cluster.Contracts.Tracks;

/// <summary>
/// Bounds of the grain methods that wait for the next fragment. Orleans fails a call that takes longer than its response
/// timeout (30 s by default), so those methods carry <see cref="ResponseTimeout"/> and the grain caps every wait at
/// <see cref="MaxWait"/>, well inside it: a long wait ends with an empty answer, never a timeout.
/// </summary>
public static class LongPoll
{
    /// <summary>The response timeout of the waiting methods (for <c>[ResponseTimeout]</c>): 1 minute.</summary>
    public const string ResponseTimeout = "00:01:00";

    /// <summary>The longest a grain waits before answering what it has: 45 seconds.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(45);
}
