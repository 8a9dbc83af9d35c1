using System.Collections.Concurrent;
using Cluster.Runtime.Membership;
using Cluster.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Runtime.Tests.Membership;

/// <summary>Which probes succeed: every silo reaches every other unless a test cuts a link or a whole silo off.</summary>
public sealed class FakeNetwork
{
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string From, string To), bool> _cut = new();

    /// <summary>Probes from anywhere to <paramref name="endpoint"/> fail from now on.</summary>
    public void TakeDown(string endpoint) => _down[endpoint] = true;

    /// <summary>Probes from <paramref name="from"/> to <paramref name="to"/> fail from now on.</summary>
    public void Cut(string from, string to) => _cut[(from, to)] = true;

    public ISiloProber ProberFor(string from) => new Prober(this, from);

    private sealed class Prober(FakeNetwork network, string from) : ISiloProber
    {
        public Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken) =>
            Task.FromResult(!network._down.ContainsKey(target.Endpoint) && !network._cut.ContainsKey((from, target.Endpoint)));
    }
}

/// <summary>Records <see cref="StopApplication"/>.</summary>
public sealed class FakeLifetime : IHostApplicationLifetime
{
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public Task StopRequested => _stopRequested.Task;

    public void StopApplication() => _stopRequested.TrySetResult();
}

/// <summary>A membership table that records every successful status write and every lost compare-and-swap.</summary>
public sealed class RecordingMembershipTable(IMembershipTable inner) : IMembershipTable
{
    private readonly ConcurrentQueue<(SiloAddress Silo, SiloStatus Status)> _writes = new();
    private int _conflicts;

    /// <summary>When set, the first <c>n</c> inserts wait until all <c>n</c> have been attempted, so they all lose but one.</summary>
    public TaskCompletionSource? InsertGate { get; set; }

    public int InsertGateSize { get; set; }

    private int _inserts;

    public int Conflicts => Volatile.Read(ref _conflicts);

    public IReadOnlyList<SiloStatus> StatusesWritten(SiloAddress silo) => [.. _writes.Where(w => w.Silo == silo).Select(w => w.Status)];

    public Task InitializeMembershipTable(CancellationToken cancellationToken = default) => inner.InitializeMembershipTable(cancellationToken);

    public Task<MembershipTableData> ReadAll(CancellationToken cancellationToken = default) => inner.ReadAll(cancellationToken);

    public Task<MembershipTableData> ReadRow(SiloAddress silo, CancellationToken cancellationToken = default) => inner.ReadRow(silo, cancellationToken);

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        if (InsertGate is { } gate && Interlocked.Increment(ref _inserts) is var n && n <= InsertGateSize)
        {
            if (n == InsertGateSize)
            {
                gate.TrySetResult();
            }

            await gate.Task.WaitAsync(cancellationToken);
        }

        return Record(entry, await inner.InsertRow(entry, tableVersion, cancellationToken));
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        Record(entry, await inner.UpdateRow(entry, etag, tableVersion, cancellationToken));

    public Task UpdateIAmAlive(MembershipEntry entry, CancellationToken cancellationToken = default) => inner.UpdateIAmAlive(entry, cancellationToken);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate, CancellationToken cancellationToken = default) => inner.CleanupDefunctSiloEntries(beforeDate, cancellationToken);

    public Task DeleteMembershipTableEntries(string clusterId, CancellationToken cancellationToken = default) => inner.DeleteMembershipTableEntries(clusterId, cancellationToken);

    private bool Record(MembershipEntry entry, bool written)
    {
        if (written)
        {
            _writes.Enqueue((entry.SiloAddress, entry.Status));
        }
        else
        {
            Interlocked.Increment(ref _conflicts);
        }

        return written;
    }
}

/// <summary>Several <see cref="MembershipService"/>s sharing one table, one fake clock and one fake network.</summary>
public sealed class MembershipTestCluster : IAsyncDisposable
{
    private readonly List<MembershipService> _silos = [];

    public MembershipTestCluster(IMembershipTable table, Action<MembershipOptions>? configure = null)
    {
        Table = new RecordingMembershipTable(table);
        configure?.Invoke(Options);
    }

    public FakeTimeProvider Clock { get; } = new();

    public FakeNetwork Network { get; } = new();

    public MembershipOptions Options { get; } = new();

    public RecordingMembershipTable Table { get; }

    public Dictionary<SiloAddress, FakeLifetime> Lifetimes { get; } = [];

    /// <summary>The detection bound the tests hold the protocol to: the documented one plus one probe interval of timer phase.</summary>
    public TimeSpan TestedDetectionBound => Options.DetectionBound + Options.ProbeInterval;

    internal MembershipService CreateSilo(string endpoint)
    {
        var lifetime = new FakeLifetime();
        var silo = new MembershipService(
            Table,
            Network.ProberFor(endpoint),
            lifetime,
            Clock,
            Microsoft.Extensions.Options.Options.Create(Options),
            Microsoft.Extensions.Options.Options.Create(new SiloOptions { Endpoint = endpoint }),
            NullLogger<MembershipService>.Instance);
        lock (_silos)
        {
            _silos.Add(silo);
            Lifetimes[silo.LocalSilo] = lifetime;
        }

        return silo;
    }

    internal async Task<MembershipService> StartSiloAsync(string endpoint)
    {
        var silo = CreateSilo(endpoint);
        await silo.StartAsync(CancellationToken.None);
        return silo;
    }

    /// <summary>Moves the clock and waits until every silo's rounds that fell due have finished.</summary>
    public async Task AdvanceAsync(TimeSpan delta)
    {
        Clock.Advance(delta);
        await WhenIdleAsync();
    }

    public async Task WhenIdleAsync()
    {
        MembershipService[] silos;
        lock (_silos)
        {
            silos = [.. _silos];
        }

        await Task.WhenAll(silos.Select(s => s.WhenIdleAsync()));
    }

    /// <summary>Steps the clock by <paramref name="step"/> until <paramref name="condition"/> holds; the time it took, or null after <paramref name="limit"/>.</summary>
    public async Task<TimeSpan?> AdvanceUntilAsync(Func<bool> condition, TimeSpan step, TimeSpan limit)
    {
        var start = Clock.GetUtcNow();
        while (!condition())
        {
            if (Clock.GetUtcNow() - start >= limit)
            {
                return null;
            }

            await AdvanceAsync(step);
        }

        return Clock.GetUtcNow() - start;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        await WhenIdleAsync();
    }
}
