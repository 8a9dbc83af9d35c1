using System.Text;

namespace Cluster.Contracts;

/// <summary>
/// A hash that is the same in every process and on every run (FNV-1a, 64 bits), unlike <see cref="HashCode"/>, which is
/// seeded per process: for values that different nodes must agree on, such as ETags (Orleans keeps
/// its <c>JenkinsHash</c> in the same place for the same reason).
/// </summary>
public static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>Hashes <paramref name="bytes"/>, continuing from <paramref name="seed"/> when given.</summary>
    public static ulong Compute(ReadOnlySpan<byte> bytes, ulong seed = Offset)
    {
        var hash = seed;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>Hashes the UTF-8 bytes of <paramref name="text"/>, continuing from <paramref name="seed"/> when given.</summary>
    public static ulong Compute(string text, ulong seed = Offset)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> buffer = stackalloc byte[256];
        return Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? Compute(buffer[..Encoding.UTF8.GetBytes(text, buffer)], seed)
            : Compute(Encoding.UTF8.GetBytes(text), seed);
    }
}
