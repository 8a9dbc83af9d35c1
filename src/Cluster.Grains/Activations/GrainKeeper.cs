using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Activations;

/// <summary>
/// A loop on every silo that touches some grains every few seconds: grains that must always run (a distribution point
/// with its pull input, a restreaming source) have nothing else to activate them after a restart, or on another silo
/// after theirs died. The directory sends each touch to the one activation. A failed round (the cluster starting, a
/// silo just gone) is logged and tried again.
/// </summary>
internal abstract partial class GrainKeeper(TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    /// <summary>Touches the grains once.</summary>
    protected abstract Task TouchAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TouchAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTouchFailed(GetType().Name, e.Message);
            }

            try
            {
                await Task.Delay(Interval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Keeper}: activating its grains failed this round: {Reason}")]
    private partial void LogTouchFailed(string keeper, string reason);
}
