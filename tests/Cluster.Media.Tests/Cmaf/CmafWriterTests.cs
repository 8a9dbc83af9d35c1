using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text.Json;
using Cluster.Media.Boxes;
using Cluster.Media.Cmaf;
using Cluster.Media.Model;

namespace Cluster.Media.Tests.Cmaf;

public class CmafWriterTests
{
    private static TrackInfo VideoTrack() => new()
    {
        Kind = TrackKind.Video,
        Name = "video",
        Bitrate = 200_000,
        FourCC = "H264",
        CodecPrivateData = IsmvCapture.CodecPrivateData(1), // width/height left 0: taken from the SPS
    };

    private static TrackInfo AudioTrack() => new()
    {
        Kind = TrackKind.Audio,
        Name = "audio",
        Bitrate = 64_000,
        FourCC = "AACL",
        CodecPrivateData = "1188", // what the capture's esds says: AAC-LC, 48 kHz, mono
        SamplingRate = 48000,
        Channels = 1,
        Language = "eng",
    };

    [Fact]
    public void Write_VideoTrack_HasCmafBrandsAndOneTrackWithEmptyTables()
    {
        var header = CmafHeaderWriter.Write(VideoTrack(), trackId: 1);
        var top = TestBox.Parse(header);
        top.Select(b => b.Type).ShouldBe(["ftyp", "moov"]);
        var brands = Enumerable.Range(0, (top[0].Size - 16) / 4).Select(i => FourCC.ToString(top[0].U32(8 + (4 * i)))).ToList();
        brands.ShouldContain("cmfc"); // 23000-19: a CMAF header lists a CMAF structural brand

        var moov = top[1];
        moov.Children.Count(b => b.Type == "trak").ShouldBe(1);
        moov.Get("mvhd").U32(12).ShouldBe(10_000_000u); // timescale
        moov.Get("mvhd").U32(96).ShouldBe(2u); // next_track_ID
        var tkhd = moov.Get("trak/tkhd");
        (tkhd.U32(0) & 0xFFFFFF).ShouldBe(7u);
        tkhd.U32(12).ShouldBe(1u);
        tkhd.U32(76).ShouldBe(160u << 16);
        tkhd.U32(80).ShouldBe(90u << 16);
        moov.Get("trak/mdia/mdhd").U32(12).ShouldBe(10_000_000u);
        FourCC.ToString(moov.Get("trak/mdia/hdlr").U32(8)).ShouldBe("vide");
        moov.Get("trak/mdia/minf/vmhd").U32(0).ShouldBe(1u);
        foreach (var table in new[] { "stts", "stsc", "stco" })
        {
            moov.Get("trak/mdia/minf/stbl/" + table).U32(4).ShouldBe(0u);
        }

        moov.Get("trak/mdia/minf/stbl/stsz").U32(8).ShouldBe(0u);
        var trex = moov.Get("mvex/trex");
        trex.U32(4).ShouldBe(1u);
        trex.U32(8).ShouldBe(1u);
    }

    [Fact]
    public void Write_VideoTrack_Avc1CarriesAvcCWithTheInputSps()
    {
        var header = CmafHeaderWriter.Write(VideoTrack());
        var avc1 = TestBox.Parse(header)[1].Get("trak/mdia/minf/stbl/stsd/avc1");
        avc1.U16(24).ShouldBe((ushort)160);
        avc1.U16(26).ShouldBe((ushort)90);
        avc1.U16(74).ShouldBe((ushort)0x18);
        avc1.U16(76).ShouldBe((ushort)0xFFFF);
        var avcC = avc1.Get("avcC").Payload.ToArray();
        var spsLength = (avcC[6] << 8) | avcC[7];
        Convert.ToHexString(avcC, 8, spsLength).ShouldBe(IsmvCapture.CodecPrivateData(1)[8..(8 + (2 * spsLength))]);
    }

    [Fact]
    public void Write_AudioTrack_Mp4aWithEsdsHoldingTheAsc()
    {
        var header = CmafHeaderWriter.Write(AudioTrack(), trackId: 3);
        var moov = TestBox.Parse(header)[1];
        moov.Get("trak/tkhd").U16(36).ShouldBe((ushort)0x0100); // volume
        var mdhd = moov.Get("trak/mdia/mdhd");
        var language = mdhd.U16(20);
        new string([(char)(((language >> 10) & 31) + 0x60), (char)(((language >> 5) & 31) + 0x60), (char)((language & 31) + 0x60)]).ShouldBe("eng");
        FourCC.ToString(moov.Get("trak/mdia/hdlr").U32(8)).ShouldBe("soun");
        var mp4a = moov.Get("trak/mdia/minf/stbl/stsd/mp4a");
        mp4a.U16(16).ShouldBe((ushort)1); // channelcount
        mp4a.U16(18).ShouldBe((ushort)16);
        mp4a.U32(24).ShouldBe(48000u << 16);
        var esds = mp4a.Get("esds").Payload.ToArray();
        var decoderConfig = Array.IndexOf(esds, (byte)0x04);
        esds[decoderConfig + 2].ShouldBe((byte)0x40);
        esds[decoderConfig + 3].ShouldBe((byte)0x15);
        var specific = decoderConfig + 2 + 13;
        esds[specific].ShouldBe((byte)0x05);
        esds.AsSpan(specific + 2, esds[specific + 1]).ToArray().ShouldBe(new byte[] { 0x11, 0x88 });
        esds[^3..].ShouldBe(new byte[] { 0x06, 0x01, 0x02 });
        moov.Get("mvex/trex").U32(4).ShouldBe(3u);
    }

    [Fact]
    public void WriteHeader_Fragment_TfdtTrunAndDataOffsetPointAtPayload()
    {
        var fragment = IsmvCapture.Fragments(1)[1];
        var writer = new BoxWriter();
        CmafSegmentWriter.Write(writer, fragment, trackId: 1, sequenceNumber: 7);
        var segment = writer.ToArray();

        var top = TestBox.Parse(segment);
        top.Select(b => b.Type).ShouldBe(["styp", "moof", "mdat"]);
        FourCC.ToString(top[0].U32(0)).ShouldBe("msdh");
        var moof = top[1];
        moof.Get("mfhd").U32(4).ShouldBe(7u);
        moof.Children.Count(b => b.Type == "traf").ShouldBe(1);
        moof.Get("traf").Children.Any(b => b.Type == "uuid").ShouldBeFalse();
        var tfhd = moof.Get("traf/tfhd");
        (tfhd.U32(0) & 0x020000).ShouldBe(0x020000u);
        tfhd.U32(4).ShouldBe(1u);
        var tfdt = moof.Get("traf/tfdt");
        tfdt.Payload[0].ShouldBe((byte)1);
        tfdt.U64(4).ShouldBe((ulong)fragment.Time);

        var trun = moof.Get("traf/trun");
        trun.U32(4).ShouldBe((uint)fragment.Samples.Length);
        var dataOffset = BinaryPrimitives.ReadInt32BigEndian(trun.Payload[8..]);
        (moof.Offset + dataOffset).ShouldBe(top[2].Offset + 8);
        segment.AsSpan(moof.Offset + dataOffset).ToArray().ShouldBe(fragment.Data.ToArray());
        for (var i = 0; i < fragment.Samples.Length; i++)
        {
            var at = 12 + (16 * i);
            var expected = fragment.Samples[i];
            new Sample(trun.U32(at), trun.U32(at + 4), trun.U32(at + 8), (int)trun.U32(at + 12)).ShouldBe(expected);
        }
    }

    [Fact]
    public void WriteHeader_NegativeCompositionOffset_UsesTrunVersion1()
    {
        var samples = ImmutableArray.Create(new Sample(400_000, 3, Sample.SyncFlags, 0), new Sample(400_000, 2, Sample.NonSyncFlags, -400_000));
        var fragment = new Fragment(20_000_000, samples, new byte[] { 1, 2, 3, 4, 5 });
        var writer = new BoxWriter();
        CmafSegmentWriter.WriteHeader(writer, fragment, 1, 1);
        var written = writer.ToArray();

        // WriteHeader stops at the mdat header, whose size already counts the payload the caller sends.
        var mdatHeader = written.AsSpan(written.Length - 8);
        BinaryPrimitives.ReadUInt32BigEndian(mdatHeader).ShouldBe(13u);
        var trun = TestBox.Parse(written, 0, written.Length - 8)[1].Get("traf/trun");
        trun.Payload[0].ShouldBe((byte)1);
        ((int)trun.U32(12 + 16 + 12)).ShouldBe(-400_000);
    }

    [Fact]
    public void HeaderAndSegments_ReadByFfprobe_GiveTheSamePackets()
    {
        var fragments = IsmvCapture.Fragments(1).Take(2).ToList();
        var writer = new BoxWriter();
        CmafHeaderWriter.Write(writer, VideoTrack(), 1);
        for (var i = 0; i < fragments.Count; i++)
        {
            CmafSegmentWriter.Write(writer, fragments[i], 1, (uint)(i + 1));
        }

        var probe = Ffprobe(writer.ToArray());
        var stream = probe.GetProperty("streams")[0];
        stream.GetProperty("codec_name").GetString().ShouldBe("h264");
        stream.GetProperty("width").GetInt32().ShouldBe(160);
        stream.GetProperty("height").GetInt32().ShouldBe(90);
        var packets = probe.GetProperty("packets").EnumerateArray().ToList();
        var samples = fragments.SelectMany(f => f.Samples).ToList();
        packets.Count.ShouldBe(samples.Count);
        packets.Select(p => int.Parse(p.GetProperty("size").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(samples.Select(s => (int)s.Size));
        packets.Count(p => p.GetProperty("flags").GetString()!.StartsWith('K')).ShouldBe(samples.Count(s => s.IsSync));

        // The second segment's first packet decodes at its tfdt (ffprobe's time base is the 1/10,000,000 timescale).
        packets[fragments[0].Samples.Length].GetProperty("dts").GetInt64().ShouldBe(fragments[1].Time);
    }

    [Fact]
    public void AudioHeaderAndSegment_ReadByFfprobe_GiveAacStream()
    {
        var fragment = IsmvCapture.Fragments(3).First(f => f.Time >= 0);
        var writer = new BoxWriter();
        CmafHeaderWriter.Write(writer, AudioTrack(), 3);
        CmafSegmentWriter.Write(writer, fragment, 3, 1);

        var probe = Ffprobe(writer.ToArray());
        var stream = probe.GetProperty("streams")[0];
        stream.GetProperty("codec_name").GetString().ShouldBe("aac");
        stream.GetProperty("sample_rate").GetString().ShouldBe("48000");
        stream.GetProperty("channels").GetInt32().ShouldBe(1);
        probe.GetProperty("packets").GetArrayLength().ShouldBe(fragment.Samples.Length);
    }

    private static JsonElement Ffprobe(byte[] file) => TestSupport.Ffprobe.Run(file, ".mp4", "-show_streams", "-show_packets");
}
