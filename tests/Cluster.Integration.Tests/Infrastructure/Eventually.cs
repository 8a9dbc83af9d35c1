using System.Diagnostics;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Waits for a condition on real processes, polling every 200 ms, failing with the caller's diagnostics after a bound.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException(failure());
            }

            await Task.Delay(200);
        }
    }
}
