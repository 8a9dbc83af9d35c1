using System.Collections.Concurrent;
using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// Bounds how many points one client address may create by pushing (<see cref="PublishingPointOptions.MaxAutoCreatedPointsPerClient"/>
/// per hour, counted by this gateway), so a misconfigured or hostile encoder cannot fill a node with points; pushes to
/// points that exist are not affected.
/// </summary>
internal sealed class AutoCreateQuota(IOptions<PublishingPointOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Client addresses remembered at most; past it, addresses with nothing in the last hour are dropped (all, if none had).</summary>
    private const int MaxClients = 100_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _created = new(StringComparer.Ordinal);

    /// <summary>Whether a push from <paramref name="client"/> may create its point.</summary>
    public bool MayCreate(string? client) => options.Value.AutoCreate && Count(client ?? "") < options.Value.MaxAutoCreatedPointsPerClient;

    /// <summary>
    /// Counts a point the admission says <paramref name="client"/> created, and turns the point's 404 (it did not exist and
    /// could not be created) into 429 with the reason when the quota, not the configuration, was what refused it.
    /// </summary>
    public IngestAdmission Explain(IngestAdmission admission, string? client)
    {
        if (admission.Created)
        {
            Created(client);
        }

        return admission is { Accepted: false, StatusCode: 404 } && options.Value.AutoCreate && !MayCreate(client)
            ? IngestAdmission.Refuse(429, $"This address has created {options.Value.MaxAutoCreatedPointsPerClient} publishing points by pushing in the last hour (Cluster:PublishingPoints:MaxAutoCreatedPointsPerClient); push to an existing point or retry later.")
            : admission;
    }

    private void Created(string? client)
    {
        if (_created.Count >= MaxClients)
        {
            foreach (var key in _created.Keys)
            {
                if (Count(key) == 0)
                {
                    _created.TryRemove(key, out _);
                }
            }

            if (_created.Count >= MaxClients)
            {
                // Every address created a point within the hour: start counting again rather than scan on every push.
                _created.Clear();
            }
        }

        var times = _created.GetOrAdd(client ?? "", _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            times.Enqueue(time.GetUtcNow());
        }
    }

    private int Count(string client)
    {
        if (!_created.TryGetValue(client, out var times))
        {
            return 0;
        }

        var since = time.GetUtcNow() - Period;
        lock (times)
        {
            while (times.Count > 0 && times.Peek() < since)
            {
                times.Dequeue();
            }

            return times.Count;
        }
    }
}
