using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Placement;

/// <summary>
/// Picks the silo for a new activation by rendezvous hashing: every candidate silo gets a score from a fixed hash of
/// (placement key, silo) and the highest score wins. Every silo and gateway computes the same answer from the same view,
/// so concurrent first calls usually meet on one silo (the directory settles the rest), load spreads evenly, and a silo
/// joining takes its share of new publishing points without moving anything already placed.
/// </summary>
internal static class PlacementDirector
{
    /// <summary>The best of <paramref name="candidates"/> for <paramref name="placementKey"/>, or null when there are none.</summary>
    public static SiloAddress? Pick(string placementKey, IEnumerable<SiloAddress> candidates)
    {
        SiloAddress? best = null;
        ulong bestScore = 0;
        var key = StableHash.Compute(placementKey);
        foreach (var silo in candidates)
        {
            // Hash the endpoint, not the generation: a silo restarted on the same endpoint takes back the same share.
            var score = Mix(StableHash.Compute(silo.Endpoint, key ^ 0x9E3779B97F4A7C15));
            if (best is null || score > bestScore || (score == bestScore && silo.CompareTo(best) < 0))
            {
                best = silo;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>The key a grain is placed by: for a colocated grain, its parent's key (its own up to the last <c>/</c>).</summary>
    public static string ParentKey(string key)
    {
        var slash = key.LastIndexOf('/');
        return slash > 0 ? key[..slash] : key;
    }

    // FNV alone clusters similar strings (ports differing in one digit); a finaliser spreads them.
    private static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xFF51AFD7ED558CCD;
        value ^= value >> 33;
        value *= 0xC4CEB9FE1A85EC53;
        value ^= value >> 33;
        return value;
    }
}
