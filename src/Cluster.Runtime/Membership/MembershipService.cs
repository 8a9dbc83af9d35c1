using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The membership protocol of one silo (Orleans' <c>MembershipTableManager</c>, <c>ClusterHealthMonitor</c> and
/// <c>SiloHealthMonitor</c> in one): joins the table as Joining then Active, writes heartbeats, refreshes the view,
/// probes every other active silo, votes suspect after <see cref="MembershipOptions.MissedProbesLimit"/> missed probes
/// and writes Dead once enough votes are in, all by compare-and-swap on the table version. A silo that reads itself Dead
/// stops the host; a graceful stop writes ShuttingDown then Dead.
/// </summary>
internal sealed class MembershipService : IHostedService, IClusterMembership, IClusterView, IDisposable
{
    /// <summary>Compare-and-swap attempts of one write before giving up (each lost attempt means another silo's write won).</summary>
    internal const int MaxWriteAttempts = 100;

    private const string RefreshRound = "table refresh";
    private const string IAmAliveRound = "heartbeat";

    private readonly IMembershipTable _table;
    private readonly ISiloProber _prober;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly MembershipOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlySet<string> _roles;
    private readonly object _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<SiloAddress, int> _missedProbes = [];
    private readonly HashSet<object> _busy = [];
    private readonly HashSet<Task> _inFlight = [];
    private readonly List<ITimer> _timers = [];
    private readonly DateTimeOffset _startTime;
    private readonly ISiloShutdownParticipant[] _shutdownParticipants;
    private ClusterMembershipSnapshot _current = ClusterMembershipSnapshot.Empty;
    private State _state;

    public MembershipService(
        IMembershipTable table,
        ISiloProber prober,
        IHostApplicationLifetime lifetime,
        TimeProvider timeProvider,
        IOptions<MembershipOptions> options,
        IOptions<SiloOptions> siloOptions,
        ILogger<MembershipService> logger,
        IEnumerable<ISiloShutdownParticipant>? shutdownParticipants = null)
    {
        _shutdownParticipants = [.. shutdownParticipants ?? []];
        ArgumentNullException.ThrowIfNull(siloOptions);
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _prober = prober;
        _lifetime = lifetime;
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        var silo = siloOptions.Value;
        _roles = new HashSet<string>(silo.Roles, StringComparer.Ordinal);
        _startTime = timeProvider.GetUtcNow();
        LocalSilo = new SiloAddress(silo.Endpoint ?? throw new InvalidOperationException($"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)} is required."), _startTime.UtcTicks);
    }

    public event EventHandler<ClusterMembershipSnapshot>? Changed;

    private enum State
    {
        NotStarted,
        Joining,
        Active,
        Stopping,
        Stopped,
    }

    public SiloAddress LocalSilo { get; }

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

    public IReadOnlyList<MembershipEntry> ActiveSilos => Current.ActiveSilos;

    public MembershipVersion Version => Current.Version;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state != State.NotStarted)
            {
                throw new InvalidOperationException($"The membership service of silo {LocalSilo} was already started.");
            }

            _state = State.Joining;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try
        {
            await JoinAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Declared dead, crashed or stopped while joining; the host is already being told.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state is State.NotStarted or State.Stopping or State.Stopped)
            {
                StopTimers();
                _state = State.Stopped;
                return;
            }

            _state = State.Stopping;
            StopTimers();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await WhenIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await UpdateOwnStatusAsync(SiloStatus.ShuttingDown, cancellationToken).ConfigureAwait(false);

            // Peers stop placing grains here once they read ShuttingDown; the grains leave (removing their directory
            // entries) before the row says Dead, so nobody replaces an entry of a silo still running its grain.
            foreach (var participant in _shutdownParticipants)
            {
                await participant.OnShuttingDownAsync(cancellationToken).ConfigureAwait(false);
            }

            await UpdateOwnStatusAsync(SiloStatus.Dead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LeaveAbandoned(LocalSilo, exception);
        }
        finally
        {
            lock (_lock)
            {
                _state = State.Stopped;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            StopTimers();
            if (_state != State.NotStarted)
            {
                _state = State.Stopped;
            }
        }

        _stopping.Cancel();
    }

    /// <summary>
    /// Simulates a crash for tests: stops every timer and cancels work in flight without writing anything, as if the
    /// process had died. Its peers then have to detect it by probing. <see cref="StopAsync"/> afterwards writes nothing.
    /// </summary>
    internal void Crash()
    {
        lock (_lock)
        {
            StopTimers();
            _state = State.Stopped;
        }

        _logger.Crashed(LocalSilo);
        _stopping.Cancel();
    }

    /// <summary>Completes when no protocol round (probe, vote, refresh, heartbeat) is running; for tests driving a fake clock.</summary>
    internal async Task WhenIdleAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_lock)
            {
                _inFlight.RemoveWhere(t => t.IsCompleted);
                running = [.. _inFlight];
            }

            if (running.Length == 0)
            {
                return;
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the table and publishes the view.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken) =>
        Publish(await _table.ReadAll(cancellationToken).ConfigureAwait(false));

    private static string Describe(IEnumerable<SuspectVote> votes) => string.Join(", ", votes.Select(v => v.Suspecter.ToString()));

    /// <summary>Inserts this silo's row, makes it Active and starts the timers.</summary>
    private async Task JoinAsync(CancellationToken token)
    {
        await _table.InitializeMembershipTable(token).ConfigureAwait(false);
        try
        {
            await _table.CleanupDefunctSiloEntries(_time.GetUtcNow() - _options.DefunctSiloCleanupAge, token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.CleanupFailed(exception);
        }

        var joined = await InsertSelfAsync(token).ConfigureAwait(false);
        await DeclareEarlierGenerationsDeadAsync(joined, token).ConfigureAwait(false);
        await CheckConnectivityAsync(joined, token).ConfigureAwait(false);
        if (!await UpdateOwnStatusAsync(SiloStatus.Active, token).ConfigureAwait(false))
        {
            // Declared dead while joining: the host is already being stopped.
            return;
        }

        lock (_lock)
        {
            if (_state != State.Joining)
            {
                return;
            }

            _state = State.Active;
            _timers.Add(_time.CreateTimer(static s => ((MembershipService)s!).OnProbeTimer(), this, _options.ProbeInterval, _options.ProbeInterval));
            _timers.Add(_time.CreateTimer(_ => RunExclusive(RefreshRound, RefreshAsync), null, _options.TableRefreshInterval, _options.TableRefreshInterval));
            _timers.Add(_time.CreateTimer(_ => RunExclusive(IAmAliveRound, WriteIAmAliveAsync), null, _options.IAmAliveInterval, _options.IAmAliveInterval));
        }

        await RefreshAsync(token).ConfigureAwait(false);
    }

    /// <summary>Inserts this silo's row as Joining (retrying on version conflicts); returns the last read.</summary>
    private async Task<MembershipTableData> InsertSelfAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await _table.ReadAll(cancellationToken).ConfigureAwait(false);
            if (read.TryGet(LocalSilo) is { } existing)
            {
                // An earlier attempt's insert went through although its answer was lost.
                return existing.Entry.Status == SiloStatus.Joining
                    ? read
                    : throw new InvalidOperationException($"Silo {LocalSilo} already has a {existing.Entry.Status} row in the membership table.");
            }

            var now = _time.GetUtcNow();
            var entry = new MembershipEntry
            {
                SiloAddress = LocalSilo,
                Status = SiloStatus.Joining,
                HostName = Environment.MachineName,
                Roles = _roles,
                StartTime = _startTime,
                IAmAliveTime = now,
            };
            var version = read.Version.Next();
            if (await _table.InsertRow(entry, version, cancellationToken).ConfigureAwait(false))
            {
                _logger.Joining(LocalSilo, version);
                return await _table.ReadAll(cancellationToken).ConfigureAwait(false);
            }

            ConflictOrGiveUp(LocalSilo, attempt);
        }
    }

    /// <summary>A silo restarted on the same endpoint declares its earlier generations dead (Orleans does the same).</summary>
    private async Task DeclareEarlierGenerationsDeadAsync(MembershipTableData read, CancellationToken cancellationToken)
    {
        foreach (var row in read.Members)
        {
            var silo = row.Entry.SiloAddress;
            if (silo.Endpoint == LocalSilo.Endpoint && silo.Generation < LocalSilo.Generation && row.Entry.Status != SiloStatus.Dead
                && await UpdateWithRetryAsync(silo, (_, r) => r.Entry.Status == SiloStatus.Dead ? null : r.Entry with { Status = SiloStatus.Dead }, cancellationToken).ConfigureAwait(false))
            {
                _logger.OldGenerationDead(silo);
            }
        }
    }

    /// <summary>One probe of every active silo before becoming active; failures are logged, not fatal (a crashed silo not yet declared dead must not block joins).</summary>
    private async Task CheckConnectivityAsync(MembershipTableData read, CancellationToken cancellationToken)
    {
        var peers = read.Members.Select(r => r.Entry).Where(e => e.Status == SiloStatus.Active && e.SiloAddress != LocalSilo).Select(e => e.SiloAddress).ToList();
        var results = await Task.WhenAll(peers.Select(p => ProbeOnceAsync(p, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < peers.Count; i++)
        {
            if (!results[i])
            {
                _logger.ConnectivityCheckFailed(peers[i]);
            }
        }
    }

    /// <summary>Moves this silo's row forward to <paramref name="status"/>; false when the row is missing or already Dead (and the status wanted is not Dead).</summary>
    private async Task<bool> UpdateOwnStatusAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        var reachedDead = false;
        var written = await UpdateWithRetryAsync(
            LocalSilo,
            (_, row) =>
            {
                reachedDead = row.Entry.Status == SiloStatus.Dead;
                return row.Entry.Status >= status ? null : row.Entry with { Status = status, IAmAliveTime = _time.GetUtcNow() };
            },
            cancellationToken).ConfigureAwait(false);
        if (written)
        {
            _logger.StatusWritten(LocalSilo, status);
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        return !reachedDead || status == SiloStatus.Dead;
    }

    /// <summary>
    /// Reads the table and writes <paramref name="decide"/>'s new version of <paramref name="silo"/>'s row, by compare-and-swap,
    /// re-reading after each lost swap. False when the row is missing or <paramref name="decide"/> returns null (nothing to write).
    /// </summary>
    private async Task<bool> UpdateWithRetryAsync(SiloAddress silo, Func<MembershipTableData, MembershipRow, MembershipEntry?> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await _table.ReadAll(cancellationToken).ConfigureAwait(false);
            Publish(read);
            if (read.TryGet(silo) is not { } row || decide(read, row) is not { } entry)
            {
                return false;
            }

            if (await _table.UpdateRow(entry, row.ETag, read.Version.Next(), cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            ConflictOrGiveUp(silo, attempt);
        }
    }

    private void ConflictOrGiveUp(SiloAddress silo, int attempt)
    {
        _logger.WriteConflict(silo, attempt);
        if (attempt >= MaxWriteAttempts)
        {
            throw new InvalidOperationException($"Membership write about silo {silo} lost {attempt} compare-and-swaps in a row.");
        }
    }

    private void OnProbeTimer()
    {
        ClusterMembershipSnapshot view;
        lock (_lock)
        {
            if (_state != State.Active)
            {
                return;
            }

            view = _current;
        }

        foreach (var member in view.Members)
        {
            if (member.SiloAddress != LocalSilo && member.Status is SiloStatus.Active or SiloStatus.ShuttingDown)
            {
                var target = member.SiloAddress;
                RunExclusive(target, t => ProbeAndVoteAsync(target, t));
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> unless the service is not active or the previous run for <paramref name="key"/> is still going.</summary>
    private void RunExclusive(object key, Func<CancellationToken, Task> work)
    {
        CancellationToken token;
        lock (_lock)
        {
            if (_state != State.Active || !_busy.Add(key))
            {
                return;
            }

            token = _stopping.Token;
        }

        var task = RunGuardedAsync(key, work, token);
        lock (_lock)
        {
            _inFlight.RemoveWhere(t => t.IsCompleted);
            if (!task.IsCompleted)
            {
                _inFlight.Add(task);
            }
        }
    }

    private async Task RunGuardedAsync(object key, Func<CancellationToken, Task> work, CancellationToken token)
    {
        try
        {
            await work(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception exception)
        {
            _logger.RoundFailed(key is SiloAddress silo ? $"probe of {silo}" : key.ToString() ?? "", exception);
        }
        finally
        {
            lock (_lock)
            {
                _busy.Remove(key);
            }
        }
    }

    private async Task<bool> ProbeOnceAsync(SiloAddress target, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ProbeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _prober.ProbeAsync(target, linked.Token).WaitAsync(_options.ProbeTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.ProbeFailed(target, exception.Message);
            return false;
        }
    }

    private async Task ProbeAndVoteAsync(SiloAddress target, CancellationToken cancellationToken)
    {
        var alive = await ProbeOnceAsync(target, cancellationToken).ConfigureAwait(false);
        int missed;
        lock (_lock)
        {
            if (alive)
            {
                _missedProbes.Remove(target);
                return;
            }

            missed = _missedProbes[target] = _missedProbes.GetValueOrDefault(target) + 1;
        }

        _logger.ProbeMissed(target, missed);
        if (missed >= _options.MissedProbesLimit && await TrySuspectOrKillAsync(target, missed, cancellationToken).ConfigureAwait(false))
        {
            // Vote again only after another full run of missed probes, so a suspect silo costs one write per run.
            lock (_lock)
            {
                _missedProbes.Remove(target);
            }
        }
    }

    /// <summary>Adds this silo's vote to <paramref name="target"/>'s row, dropping expired votes, and writes it Dead when the votes suffice.</summary>
    private async Task<bool> TrySuspectOrKillAsync(SiloAddress target, int missed, CancellationToken cancellationToken)
    {
        var declared = false;
        IReadOnlyList<SuspectVote> votes = [];
        var required = 0;
        var written = await UpdateWithRetryAsync(
            target,
            (read, row) =>
            {
                if (row.Entry.Status == SiloStatus.Dead || read.TryGet(LocalSilo)?.Entry.Status != SiloStatus.Active)
                {
                    return null;
                }

                var now = _time.GetUtcNow();
                votes = [
                    .. row.Entry.SuspectTimes.Where(v => v.Suspecter != LocalSilo && now - v.Time < _options.DeathVoteExpiration),
                    new SuspectVote(LocalSilo, now),
                ];
                var otherActive = read.Members.Count(r => r.Entry.Status == SiloStatus.Active && r.Entry.SiloAddress != target);
                required = Math.Max(1, Math.Min(_options.NumVotesForDeathDeclaration, otherActive));
                declared = votes.Count >= required;
                return row.Entry with { SuspectTimes = votes, Status = declared ? SiloStatus.Dead : row.Entry.Status };
            },
            cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            return false;
        }

        if (declared)
        {
            _logger.DeclaredDead(target, votes.Count, Describe(votes));
            lock (_lock)
            {
                _missedProbes.Remove(target);
            }

            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _logger.Suspected(target, missed, votes.Count, required);
        }

        return true;
    }

    private Task WriteIAmAliveAsync(CancellationToken cancellationToken) =>
        _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = LocalSilo, Status = SiloStatus.Active, IAmAliveTime = _time.GetUtcNow() }, cancellationToken);

    /// <summary>Makes <paramref name="read"/> the current view unless a newer one is already published; stops the silo when it reads itself dead.</summary>
    private void Publish(MembershipTableData read)
    {
        var snapshot = ClusterMembershipSnapshot.From(read);
        var own = read.TryGet(LocalSilo)?.Entry;
        bool changed;
        bool ownDead;
        lock (_lock)
        {
            if (snapshot.Version.CompareTo(_current.Version) < 0)
            {
                return;
            }

            changed = !_current.HasSameStatuses(snapshot);
            _current = snapshot;
            foreach (var silo in _missedProbes.Keys.Where(s => snapshot.GetStatus(s) is not (SiloStatus.Active or SiloStatus.ShuttingDown)).ToList())
            {
                _missedProbes.Remove(silo);
            }

            // Missing while active: the row was deleted (the table wiped), which is as good as being declared dead.
            ownDead = (_state == State.Joining && own?.Status == SiloStatus.Dead) || (_state == State.Active && own?.Status is null or SiloStatus.Dead);
            if (ownDead)
            {
                _state = State.Stopped;
                StopTimers();
            }
        }

        if (ownDead)
        {
            _logger.OwnRowDead(LocalSilo, own is null ? "missing" : "Dead", own is null ? "nobody" : Describe(own.SuspectTimes));
            _stopping.Cancel();
            _lifetime.StopApplication();
        }

        if (changed)
        {
            try
            {
                Changed?.Invoke(this, snapshot);
            }
            catch (Exception exception)
            {
                _logger.ChangedHandlerFailed(exception);
            }
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private void StopTimers()
    {
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }
}
