namespace Cluster.Media.Boxes;

/// <summary>
/// prft (ISO/IEC 14496-12 8.16.5): the UTC time, as an NTP timestamp, at which the producer made the sample at media
/// time <paramref name="MediaTime"/> of track <paramref name="ReferenceTrackId"/>; read and written here. DASH-IF live
/// media ingest senders put one in a segment to say what wall clock their timeline has.
/// </summary>
/// <param name="ReferenceTrackId">The track the times refer to.</param>
/// <param name="NtpTimestamp">Seconds since 1900-01-01 UTC in 32.32 fixed point.</param>
/// <param name="MediaTime">The media time, in that track's timescale, the timestamp belongs to.</param>
public sealed record ProducerReferenceTimeBox(uint ReferenceTrackId, ulong NtpTimestamp, long MediaTime)
{
    private static readonly DateTimeOffset NtpEra = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The NTP timestamp as a UTC time (100 ns precision).</summary>
    public DateTimeOffset Utc => NtpEra.AddTicks((long)((NtpTimestamp >> 32) * TimeSpan.TicksPerSecond) + (long)((NtpTimestamp & 0xFFFFFFFF) * TimeSpan.TicksPerSecond >> 32));

    /// <summary>The UTC time of media time 0, for a track of <paramref name="timescale"/> ticks per second.</summary>
    public DateTimeOffset AnchorFor(long timescale) => Utc.AddTicks(-(long)((Int128)MediaTime * TimeSpan.TicksPerSecond / timescale));

    /// <summary>Reads a prft payload (after the box header), version 0 (32-bit media time) or 1.</summary>
    public static ProducerReferenceTimeBox Read(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Prft, offset);
        var (version, _) = reader.ReadFullBoxHeader();
        return new ProducerReferenceTimeBox(reader.ReadUInt32(), reader.ReadUInt64(), version == 0 ? reader.ReadUInt32() : reader.ReadInt64());
    }

    /// <summary>Writes the box, version 1.</summary>
    public void Write(BoxWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var start = writer.StartFullBox(FourCC.Prft, 1, 0);
        writer.WriteUInt32(ReferenceTrackId);
        writer.WriteUInt64(NtpTimestamp);
        writer.WriteUInt64(unchecked((ulong)MediaTime));
        writer.EndBox(start);
    }
}
