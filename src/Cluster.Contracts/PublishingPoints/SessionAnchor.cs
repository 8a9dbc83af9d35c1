using System.Globalization;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>
/// A session's wall clock: the UTC time of its media time 0. Decided once, where the stream enters the cluster, and
/// carried to every other node (push and pull between tiers send it as <see cref="Tiers.TierHeaders.Anchor"/>), so
/// every manifest value built on it (DASH availabilityStartTime and publishTime, HLS PROGRAM-DATE-TIME) is the same on
/// every node holding the same fragments.
/// </summary>
public static class SessionAnchor
{
    /// <summary>
    /// Below this, a computed anchor means the encoder counts its timestamps from the Unix epoch, and the anchor is the
    /// epoch itself (DASH-IF live media ingest's recommendation): any node computes the same, whatever its latency.
    /// </summary>
    private static readonly DateTimeOffset EpochBased = DateTimeOffset.UnixEpoch.AddDays(1);

    /// <summary>The anchor implied by a fragment ending at media time <paramref name="end"/> arriving at <paramref name="arrival"/>.</summary>
    public static DateTimeOffset FromArrival(DateTimeOffset arrival, long end, long timescale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timescale);
        var ticks = (long)((Int128)end * TimeSpan.TicksPerSecond / timescale);
        var anchor = arrival.UtcDateTime.Ticks - ticks < DateTimeOffset.MinValue.UtcTicks ? DateTimeOffset.MinValue : arrival.ToUniversalTime().AddTicks(-ticks);
        return anchor < EpochBased ? DateTimeOffset.UnixEpoch : anchor;
    }

    /// <summary>The header form: ISO 8601 UTC with 100 ns precision, so the anchor travels exactly.</summary>
    public static string Format(DateTimeOffset anchor) => anchor.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    /// <summary>Parses <see cref="Format"/>'s form; false for anything else (a header from elsewhere is ignored, not trusted).</summary>
    public static bool TryParse(string? text, out DateTimeOffset anchor) =>
        DateTimeOffset.TryParseExact(text, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out anchor);
}
