using Cluster.Contracts.Restream;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Restream;

/// <summary>
/// Keeps each configured source's grain active (it reads the source on its own timer): every silo touches them every
/// few seconds, so after a silo dies they come back on another within one round.
/// </summary>
internal sealed partial class RestreamKeeper(
    IGrainFactory grains,
    IOptions<RestreamOptions> options,
    TimeProvider timeProvider,
    ILogger<RestreamKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var names = options.Value.Sources.Select((_, i) => options.Value.NameOf(i)).ToArray();
        while (names.Length > 0 && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAll(names.Select(name => grains.GetGrain<IRestreamSourceGrain>(name).EnsureRunningAsync()));
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activating the restream sources failed this round: {Reason}")]
    private partial void LogTouchFailed(string reason);
}
