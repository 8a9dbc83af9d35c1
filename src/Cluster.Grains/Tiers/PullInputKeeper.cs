using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Keeps points with a pull input active: the point starts its pull input grain as it activates, and nothing else would
/// activate a distribution point after a restart, or on another silo after its silo died. Every few seconds each silo
/// touches those points (configured or stored); the directory sends the touch to the one activation.
/// </summary>
internal sealed partial class PullInputKeeper(
    IGrainFactory grains,
    IPublishingPointStore store,
    IOptions<PublishingPointOptions> options,
    TimeProvider timeProvider,
    ILogger<PullInputKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var stored = await store.ListAsync(stoppingToken);
                var paths = stored.Where(p => p.Value.PullInput is not null).Select(p => p.Key)
                    .Concat(options.Value.Points.Where(p => p.Value.PullInput is not null).Select(p => p.Key))
                    .Distinct(StringComparer.OrdinalIgnoreCase);
                foreach (var path in paths)
                {
                    await grains.GetGrain<IPublishingPointGrain>(path).GetStatusAsync();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The cluster is starting or a silo just died: the next round tries again.
                LogTouchFailed(e.Message);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activating points with a pull input failed this round: {Reason}")]
    private partial void LogTouchFailed(string reason);
}
