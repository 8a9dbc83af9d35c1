using System.Globalization;

namespace Cluster.Runtime.Membership;

/// <summary>
/// Identity of one silo process (Orleans' <c>SiloAddress</c>): the endpoint other silos reach it at plus a generation
/// (its start time in ticks), so a silo restarted on the same endpoint is a different silo and the old row can be
/// declared dead without touching the new one.
/// </summary>
public sealed record SiloAddress : IComparable<SiloAddress>
{
    /// <summary>Creates an address.</summary>
    /// <param name="endpoint">Where the silo listens, e.g. <c>10.0.0.5:11111</c>; no whitespace and no <c>@</c>.</param>
    /// <param name="generation">Start time of the silo process in UTC ticks; positive.</param>
    /// <exception cref="ArgumentException">The endpoint is empty or contains whitespace or <c>@</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The generation is not positive.</exception>
    public SiloAddress(string endpoint, long generation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        if (endpoint.Any(c => char.IsWhiteSpace(c) || c == '@'))
        {
            throw new ArgumentException($"A silo endpoint may not contain whitespace or '@' (was '{endpoint}').", nameof(endpoint));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(generation);
        Endpoint = endpoint;
        Generation = generation;
    }

    /// <summary>Where the silo listens, e.g. <c>10.0.0.5:11111</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Start time of the silo process in UTC ticks; tells restarts on the same endpoint apart.</summary>
    public long Generation { get; }

    /// <summary>An address for a silo starting now on <paramref name="endpoint"/>, its generation taken from <paramref name="timeProvider"/>.</summary>
    public static SiloAddress New(string endpoint, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new SiloAddress(endpoint, timeProvider.GetUtcNow().UtcTicks);
    }

    /// <summary>Reads the <see cref="ToString"/> form <c>endpoint@generation</c>.</summary>
    /// <exception cref="FormatException">The text is not in that form.</exception>
    public static SiloAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a silo address (endpoint@generation).");

    /// <summary>Reads the <see cref="ToString"/> form <c>endpoint@generation</c>; false when the text is not in that form.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SiloAddress? address)
    {
        address = null;
        var at = text?.LastIndexOf('@') ?? -1;
        if (text is null || at <= 0
            || !long.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || generation <= 0)
        {
            return false;
        }

        var endpoint = text[..at];
        if (endpoint.Any(c => char.IsWhiteSpace(c) || c == '@'))
        {
            return false;
        }

        address = new SiloAddress(endpoint, generation);
        return true;
    }

    /// <summary>Orders by endpoint (ordinal), then generation, so listings are stable.</summary>
    public int CompareTo(SiloAddress? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byEndpoint = string.CompareOrdinal(Endpoint, other.Endpoint);
        return byEndpoint != 0 ? byEndpoint : Generation.CompareTo(other.Generation);
    }

    /// <summary><c>endpoint@generation</c>, e.g. <c>10.0.0.5:11111@638700000000000000</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Endpoint}@{Generation}");
}
