using System.Buffers.Binary;

namespace Cluster.Media.MpegTs;

/// <summary>
/// Writes 188-byte transport stream packets (ISO/IEC 13818-1 2.4.3): the packet header with its continuity counter,
/// the adaptation field (PCR, random access indicator, stuffing), and PSI sections (PAT, PMT) with their CRC.
/// </summary>
internal sealed class TsPacketWriter
{
    public const int PacketSize = 188;
    private const int HeaderSize = 4;
    private const int MaxPayload = PacketSize - HeaderSize;

    private readonly byte[] _output;
    private int _position;

    public TsPacketWriter(int packets)
    {
        _output = new byte[packets * PacketSize];
    }

    public byte[] ToArray() => _position == _output.Length ? _output : _output[.._position];

    /// <summary>Packets <paramref name="length"/> bytes take when the first carries an adaptation field of <paramref name="firstAdaptation"/> bytes.</summary>
    public static int PacketsFor(int length, int firstAdaptation) =>
        length <= MaxPayload - firstAdaptation ? 1 : 1 + ((length - (MaxPayload - firstAdaptation) + MaxPayload - 1) / MaxPayload);

    /// <summary>Bytes of an adaptation field carrying the flags byte and, when <paramref name="pcr"/>, a PCR.</summary>
    public static int AdaptationSize(bool flags, bool pcr) => !flags && !pcr ? 0 : pcr ? 8 : 2;

    /// <summary>
    /// Writes <paramref name="payload"/> (a PES packet or a PSI section with its pointer field) as
    /// <paramref name="packets"/> packets of <paramref name="pid"/>, at least as many as it needs: the first marks the
    /// unit's start and carries the PCR and random access flag, and where there are more packets than the payload
    /// needs, each still carries at least one byte (so each advances the continuity counter) and stuffing fills the rest.
    /// </summary>
    public void WriteUnit(int pid, ref int continuity, ReadOnlySpan<byte> payload, int packets, long? pcrBase = null, bool randomAccess = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payload.Length, packets, nameof(payload));
        for (var i = 0; i < packets; i++)
        {
            var first = i == 0;
            var flags = first && (randomAccess || pcrBase is not null);
            var adaptation = first ? AdaptationSize(flags, pcrBase is not null) : 0;
            var capacity = MaxPayload - adaptation;
            var take = Math.Min(capacity, payload.Length - (packets - i - 1));
            var stuffing = capacity - take;
            WriteHeader(pid, first, adaptation + stuffing > 0, continuity);
            continuity = (continuity + 1) & 0xF;
            if (adaptation + stuffing > 0)
            {
                WriteAdaptation(adaptation, stuffing, first && randomAccess, first ? pcrBase : null);
            }

            payload[..take].CopyTo(_output.AsSpan(_position));
            _position += take;
            payload = payload[take..];
        }
    }

    /// <summary>A PSI section (table id and everything after, without CRC) behind a pointer field, with its CRC_32 appended.</summary>
    public static byte[] Section(ReadOnlySpan<byte> section)
    {
        var unit = new byte[1 + section.Length + 4];
        section.CopyTo(unit.AsSpan(1));
        BinaryPrimitives.WriteUInt32BigEndian(unit.AsSpan(1 + section.Length), Crc32(unit.AsSpan(1, section.Length)));
        return unit;
    }

    private void WriteHeader(int pid, bool unitStart, bool adaptation, int continuity)
    {
        var span = _output.AsSpan(_position, HeaderSize);
        span[0] = 0x47;
        span[1] = (byte)((unitStart ? 0x40 : 0) | ((pid >> 8) & 0x1F));
        span[2] = (byte)pid;
        span[3] = (byte)((adaptation ? 0x30 : 0x10) | continuity);
        _position += HeaderSize;
    }

    /// <summary>
    /// The adaptation field: its length byte, then (when there is room) the flags and an optional PCR, then stuffing.
    /// One byte of room is the length byte alone (adaptation_field_length 0).
    /// </summary>
    private void WriteAdaptation(int size, int stuffing, bool randomAccess, long? pcrBase)
    {
        var total = size + stuffing;
        var span = _output.AsSpan(_position, total);
        span[0] = (byte)(total - 1);
        if (total > 1)
        {
            span[1] = (byte)((randomAccess ? 0x40 : 0) | (pcrBase is not null ? 0x10 : 0));
            var at = 2;
            if (pcrBase is { } pcr)
            {
                // 33 bits of base (90 kHz), 6 reserved bits, 9 bits of extension (0): 27 MHz = base * 300.
                span[2] = (byte)(pcr >> 25);
                span[3] = (byte)(pcr >> 17);
                span[4] = (byte)(pcr >> 9);
                span[5] = (byte)(pcr >> 1);
                span[6] = (byte)(((pcr & 1) << 7) | 0x7E);
                span[7] = 0;
                at = 8;
            }

            span[at..].Fill(0xFF);
        }

        _position += total;
    }

    /// <summary>CRC_32 of ISO/IEC 13818-1 Annex A: polynomial 0x04C11DB7, initial value all ones, no reflection, no final XOR.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= (uint)b << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
            }
        }

        return crc;
    }
}
