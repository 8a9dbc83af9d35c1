using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The view of a process that hosts no grains (a standalone gateway, Orleans' cluster client): reads the membership
/// table every <see cref="MembershipOptions.TableRefreshInterval"/> and writes nothing, so it never appears in the table,
/// is never probed and never places a grain on itself.
/// </summary>
internal sealed class ClientMembershipView(
    IMembershipTable table,
    TimeProvider timeProvider,
    IOptions<MembershipOptions> options,
    ILogger<ClientMembershipView> logger) : IClusterView, IHostedService, IDisposable
{
    private readonly object _lock = new();
    private ClusterMembershipSnapshot _current = ClusterMembershipSnapshot.Empty;
    private ITimer? _timer;
    private int _refreshing;

    public event EventHandler<ClusterMembershipSnapshot>? Changed;

    public SiloAddress? LocalSilo => null;

    public ClusterMembershipSnapshot Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await table.InitializeMembershipTable(cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var interval = options.Value.TableRefreshInterval;
        lock (_lock)
        {
            _timer ??= timeProvider.CreateTimer(static s => _ = ((ClientMembershipView)s!).OnTimerAsync(), this, interval, interval);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>Reads the table and publishes the view if it is newer.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var read = await table.ReadAll(cancellationToken).ConfigureAwait(false);
        var snapshot = ClusterMembershipSnapshot.From(read);
        bool changed;
        lock (_lock)
        {
            if (snapshot.Version.CompareTo(_current.Version) < 0)
            {
                return;
            }

            changed = !_current.HasSameStatuses(snapshot);
            _current = snapshot;
        }

        if (changed)
        {
            try
            {
                Changed?.Invoke(this, snapshot);
            }
            catch (Exception exception)
            {
                logger.ChangedHandlerFailed(exception);
            }
        }
    }

    private async Task OnTimerAsync()
    {
        // One read at a time: a slow store must not pile up reads.
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            logger.ClientRefreshFailed(exception);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
