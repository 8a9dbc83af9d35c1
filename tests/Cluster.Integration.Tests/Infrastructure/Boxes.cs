using System.Buffers.Binary;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// A deliberately tiny ISO/IEC 14496-12 box walker, independent of Cluster.Media, so the tests check the origin's
/// output against the format rather than against the code that wrote it.
/// </summary>
public static class Boxes
{
    public static readonly Guid TfxdUuid = new("6d1d9b05-42d5-44e6-80e2-141daff757b2");
    public static readonly Guid TfrfUuid = new("d4807ef2-ca39-4695-8e54-26cb9e46a79f");

    public sealed record Box(string Type, int Offset, int Size, int HeaderSize, Guid? Uuid)
    {
        public int PayloadOffset => Offset + HeaderSize;

        public int PayloadSize => Size - HeaderSize;
    }

    /// <summary>The boxes laid end to end in <paramref name="data"/>[start, end).</summary>
    public static List<Box> Children(ReadOnlySpan<byte> data, int start, int end)
    {
        var boxes = new List<Box>();
        var offset = start;
        while (offset < end)
        {
            if (end - offset < 8)
            {
                throw new InvalidDataException($"Trailing {end - offset} bytes at {offset} are not a box.");
            }

            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = System.Text.Encoding.ASCII.GetString(data.Slice(offset + 4, 4));
            var header = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(data[(offset + 8)..]);
                header = 16;
            }

            Guid? uuid = null;
            if (type == "uuid")
            {
                uuid = new Guid(data.Slice(offset + header, 16), bigEndian: true);
                header += 16;
            }

            if (size < header || offset + size > end)
            {
                throw new InvalidDataException($"Box '{type}' at {offset} has size {size}, which does not fit.");
            }

            boxes.Add(new Box(type, offset, (int)size, header, uuid));
            offset += (int)size;
        }

        return boxes;
    }

    public static Box Single(List<Box> boxes, string type) => boxes.Single(b => b.Type == type);

    /// <summary>What a Smooth fragment response says about itself.</summary>
    public sealed record SmoothFragment(long TfxdTime, long TfxdDuration, int SampleCount, long SampleBytes, int MdatPayload, List<(long Time, long Duration)> Lookahead, bool DataOffsetPointsAtMdatPayload);

    public static SmoothFragment ParseSmoothFragment(byte[] body)
    {
        var top = Children(body, 0, body.Length);
        top.Select(b => b.Type).ShouldBe(["moof", "mdat"]);
        var moof = top[0];
        var mdat = top[1];
        var traf = Single(Children(body, moof.PayloadOffset, moof.Offset + moof.Size), "traf");
        var trafChildren = Children(body, traf.PayloadOffset, traf.Offset + traf.Size);

        var tfxd = trafChildren.Single(b => b.Uuid == TfxdUuid);
        var tfxdPayload = body.AsSpan(tfxd.PayloadOffset);
        var version = tfxdPayload[0];
        long time = version == 1 ? (long)BinaryPrimitives.ReadUInt64BigEndian(tfxdPayload[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tfxdPayload[4..]);
        long duration = version == 1 ? (long)BinaryPrimitives.ReadUInt64BigEndian(tfxdPayload[12..]) : BinaryPrimitives.ReadUInt32BigEndian(tfxdPayload[8..]);

        var lookahead = new List<(long, long)>();
        if (trafChildren.SingleOrDefault(b => b.Uuid == TfrfUuid) is { } tfrf)
        {
            var p = body.AsSpan(tfrf.PayloadOffset);
            var v = p[0];
            var count = p[4];
            var at = 5;
            for (var i = 0; i < count; i++)
            {
                if (v == 1)
                {
                    lookahead.Add(((long)BinaryPrimitives.ReadUInt64BigEndian(p[at..]), (long)BinaryPrimitives.ReadUInt64BigEndian(p[(at + 8)..])));
                    at += 16;
                }
                else
                {
                    lookahead.Add((BinaryPrimitives.ReadUInt32BigEndian(p[at..]), BinaryPrimitives.ReadUInt32BigEndian(p[(at + 4)..])));
                    at += 8;
                }
            }
        }

        var trun = Single(trafChildren, "trun");
        var t = body.AsSpan(trun.PayloadOffset);
        var flags = BinaryPrimitives.ReadUInt32BigEndian(t) & 0xFFFFFF;
        var sampleCount = (int)BinaryPrimitives.ReadUInt32BigEndian(t[4..]);
        var at2 = 8;
        var dataOffset = 0;
        if ((flags & 0x1) != 0)
        {
            dataOffset = BinaryPrimitives.ReadInt32BigEndian(t[at2..]);
            at2 += 4;
        }

        if ((flags & 0x4) != 0)
        {
            at2 += 4;
        }

        long sampleBytes = 0;
        for (var i = 0; i < sampleCount; i++)
        {
            if ((flags & 0x100) != 0)
            {
                at2 += 4;
            }

            if ((flags & 0x200) != 0)
            {
                sampleBytes += BinaryPrimitives.ReadUInt32BigEndian(t[at2..]);
                at2 += 4;
            }

            at2 += ((flags & 0x400) != 0 ? 4 : 0) + ((flags & 0x800) != 0 ? 4 : 0);
        }

        return new SmoothFragment(time, duration, sampleCount, sampleBytes, mdat.PayloadSize, lookahead, moof.Offset + dataOffset == mdat.PayloadOffset);
    }
}
