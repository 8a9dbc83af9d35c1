using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Tests.Cmaf;

/// <summary>
/// Samples and codec data of TestData/three-tracks.ismv (a real ffmpeg 5.1 Smooth push, see TestData/README.md), read
/// with the test box reader: fragments per track (tfhd defaults applied, time from the tfxd uuid box).
/// </summary>
internal static class IsmvCapture
{
    private static readonly Lazy<byte[]> File = new(() => System.IO.File.ReadAllBytes(Locate()));

    public static byte[] Bytes => File.Value;

    /// <summary>The stsd sample entry of a track (1 and 2: avc1, 3: mp4a).</summary>
    public static TestBox SampleEntry(uint trackId)
    {
        var moov = TestBox.Parse(Bytes).Single(b => b.Type == "moov");
        var trak = moov.Children.Where(b => b.Type == "trak").Single(t => TrackId(t.Get("tkhd")) == trackId);
        return trak.Get("mdia/minf/stbl/stsd").Children.Single();
    }

    /// <summary>tkhd track_ID: after 32-bit times in version 0, 64-bit times in version 1.</summary>
    public static uint TrackId(TestBox tkhd) => tkhd.Payload[0] == 1 ? tkhd.U32(20) : tkhd.U32(12);

    /// <summary>The avcC payload of a video track.</summary>
    public static byte[] AvcC(uint trackId) => SampleEntry(trackId).Get("avcC").Payload.ToArray();

    /// <summary>Smooth CodecPrivateData for a video track: 00000001 SPS 00000001 PPS in hex, as IIS announces it.</summary>
    public static string CodecPrivateData(uint trackId)
    {
        var avcC = AvcC(trackId);
        var spsLength = (avcC[6] << 8) | avcC[7];
        var sps = avcC.AsSpan(8, spsLength);
        var ppsStart = 8 + spsLength + 1;
        var ppsLength = (avcC[ppsStart] << 8) | avcC[ppsStart + 1];
        var pps = avcC.AsSpan(ppsStart + 2, ppsLength);
        return "00000001" + Convert.ToHexString(sps) + "00000001" + Convert.ToHexString(pps);
    }

    public static List<Fragment> Fragments(uint trackId)
    {
        var file = Bytes;
        var top = TestBox.Parse(file);
        var fragments = new List<Fragment>();
        for (var i = 0; i < top.Count; i++)
        {
            if (top[i].Type != "moof")
            {
                continue;
            }

            var moof = top[i];
            var traf = moof.Get("traf");
            var tfhd = traf.Get("tfhd");
            if (tfhd.U32(4) != trackId)
            {
                continue;
            }

            var tfhdFlags = tfhd.U32(0) & 0xFFFFFF;
            var cursor = 8;
            uint defaultDuration = 0, defaultSize = 0, defaultFlags = 0;
            if ((tfhdFlags & 0x1) != 0)
            {
                cursor += 8;
            }

            if ((tfhdFlags & 0x2) != 0)
            {
                cursor += 4;
            }

            if ((tfhdFlags & 0x8) != 0)
            {
                defaultDuration = tfhd.U32(cursor);
                cursor += 4;
            }

            if ((tfhdFlags & 0x10) != 0)
            {
                defaultSize = tfhd.U32(cursor);
                cursor += 4;
            }

            if ((tfhdFlags & 0x20) != 0)
            {
                defaultFlags = tfhd.U32(cursor);
            }

            var trun = traf.Get("trun");
            var (samples, dataOffset) = ReadTrun(trun, defaultDuration, defaultSize, defaultFlags);
            var tfxd = traf.Children.Single(b => b.Type == "uuid");
            var time = (long)tfxd.U64(20); // 16-byte uuid, version/flags, then the 64-bit absolute time
            var total = samples.Sum(s => (long)s.Size);
            var data = file.AsMemory(moof.Offset + dataOffset, (int)total);
            fragments.Add(new Fragment(time, samples, data));
        }

        return fragments;
    }

    /// <summary>The capture sits in the test project's source folder; walk up from the output folder to find it.</summary>
    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "TestData", "three-tracks.ismv");
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("TestData/three-tracks.ismv not found above " + AppContext.BaseDirectory);
    }

    private static (ImmutableArray<Sample> Samples, int DataOffset) ReadTrun(TestBox trun, uint duration, uint size, uint flags)
    {
        var payload = trun.Payload;
        var trunFlags = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0xFFFFFF;
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        var cursor = 8;
        var dataOffset = 0;
        if ((trunFlags & 0x1) != 0)
        {
            dataOffset = BinaryPrimitives.ReadInt32BigEndian(payload[cursor..]);
            cursor += 4;
        }

        uint? firstFlags = null;
        if ((trunFlags & 0x4) != 0)
        {
            firstFlags = BinaryPrimitives.ReadUInt32BigEndian(payload[cursor..]);
            cursor += 4;
        }

        var samples = ImmutableArray.CreateBuilder<Sample>(count);
        for (var i = 0; i < count; i++)
        {
            var d = duration;
            var s = size;
            var f = i == 0 && firstFlags is { } ff ? ff : flags;
            var cto = 0;
            if ((trunFlags & 0x100) != 0)
            {
                d = BinaryPrimitives.ReadUInt32BigEndian(payload[cursor..]);
                cursor += 4;
            }

            if ((trunFlags & 0x200) != 0)
            {
                s = BinaryPrimitives.ReadUInt32BigEndian(payload[cursor..]);
                cursor += 4;
            }

            if ((trunFlags & 0x400) != 0)
            {
                f = BinaryPrimitives.ReadUInt32BigEndian(payload[cursor..]);
                cursor += 4;
            }

            if ((trunFlags & 0x800) != 0)
            {
                cto = BinaryPrimitives.ReadInt32BigEndian(payload[cursor..]);
                cursor += 4;
            }

            samples.Add(new Sample(d, s, f, cto));
        }

        return (samples.MoveToImmutable(), dataOffset);
    }
}
