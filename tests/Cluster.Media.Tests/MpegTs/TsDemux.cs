namespace Cluster.Media.Tests.MpegTs;

/// <summary>
/// A transport stream read back as ISO/IEC 13818-1 lays it out, written for the tests apart from the packager: the
/// packets of each PID with their continuity counters and adaptation fields, and the PES packets they carry.
/// </summary>
internal sealed class TsDemux
{
    private TsDemux(List<TsPacket> packets) => Packets = packets;

    public List<TsPacket> Packets { get; }

    public static TsDemux Read(byte[] stream)
    {
        (stream.Length % 188).ShouldBe(0, "a whole number of 188-byte packets");
        var packets = new List<TsPacket>();
        for (var at = 0; at < stream.Length; at += 188)
        {
            packets.Add(TsPacket.Parse(stream.AsSpan(at, 188)));
        }

        return new TsDemux(packets);
    }

    public IEnumerable<TsPacket> Of(int pid) => Packets.Where(p => p.Pid == pid);

    /// <summary>The PES packets of <paramref name="pid"/>, each with the first packet that carried it.</summary>
    public List<(TsPacket First, Pes Pes)> PesOf(int pid)
    {
        var list = new List<(TsPacket, Pes)>();
        TsPacket? first = null;
        var data = new List<byte>();
        foreach (var packet in Of(pid))
        {
            if (packet.UnitStart && first is not null)
            {
                list.Add((first, Pes.Parse([.. data])));
                data.Clear();
            }

            first = packet.UnitStart ? packet : first;
            data.AddRange(packet.Payload);
        }

        if (first is not null)
        {
            list.Add((first, Pes.Parse([.. data])));
        }

        return list;
    }
}

internal sealed record TsPacket(int Pid, bool UnitStart, int Continuity, bool HasPayload, long? PcrBase, bool RandomAccess, bool Discontinuity, byte[] Payload)
{
    public static TsPacket Parse(ReadOnlySpan<byte> packet)
    {
        packet[0].ShouldBe((byte)0x47, "sync byte");
        var pid = ((packet[1] & 0x1F) << 8) | packet[2];
        var control = (packet[3] >> 4) & 3;
        var at = 4;
        long? pcr = null;
        bool randomAccess = false, discontinuity = false;
        if ((control & 2) != 0)
        {
            var length = packet[4];
            if (length > 0)
            {
                var flags = packet[5];
                discontinuity = (flags & 0x80) != 0;
                randomAccess = (flags & 0x40) != 0;
                if ((flags & 0x10) != 0)
                {
                    pcr = ((long)packet[6] << 25) | ((long)packet[7] << 17) | ((long)packet[8] << 9) | ((long)packet[9] << 1) | ((long)packet[10] >> 7);
                }

                packet.Slice(6 + (pcr is null ? 0 : 6), length - 1 - (pcr is null ? 0 : 6)).ToArray().ShouldAllBe(b => b == 0xFF, "stuffing bytes");
            }

            at = 5 + length;
        }

        return new TsPacket(pid, (packet[1] & 0x40) != 0, packet[3] & 0xF, (control & 1) != 0, pcr, randomAccess, discontinuity, (control & 1) != 0 ? packet[at..].ToArray() : []);
    }
}

internal sealed record Pes(int StreamId, long Pts, long? Dts, int DeclaredLength, byte[] Data)
{
    public static Pes Parse(byte[] pes)
    {
        pes.AsSpan(0, 3).ToArray().ShouldBe(new byte[] { 0, 0, 1 }, "packet_start_code_prefix");
        var flags = pes[7] >> 6;
        flags.ShouldBeOneOf(2, 3);
        var headerLength = pes[8];
        var pts = Timestamp(pes.AsSpan(9));
        long? dts = flags == 3 ? Timestamp(pes.AsSpan(14)) : null;
        return new Pes(pes[3], pts, dts, (pes[4] << 8) | pes[5], pes[(9 + headerLength)..]);
    }

    private static long Timestamp(ReadOnlySpan<byte> b) =>
        ((long)(b[0] & 0x0E) << 29) | ((long)b[1] << 22) | ((long)(b[2] & 0xFE) << 14) | ((long)b[3] << 7) | ((long)b[4] >> 1);
}
