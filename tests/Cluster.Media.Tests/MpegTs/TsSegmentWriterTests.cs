using System.Collections.Immutable;
using Cluster.Media.Model;
using Cluster.Media.MpegTs;

namespace Cluster.Media.Tests.MpegTs;

/// <summary>MPEG-2 TS segments for HLS (ISO/IEC 13818-1, RFC 8216 3.2), read back by <see cref="TsDemux"/>.</summary>
public sealed class TsSegmentWriterTests
{
    private const long Second = 10_000_000;
    private const string Sps = "6764001EACD940D433B011000003000100000300320F162D96";
    private const string PpsHex = "68EFBCB0";

    private static readonly TrackInfo Video = new()
    {
        Kind = TrackKind.Video, Name = "video", Bitrate = 600_000, FourCC = "H264", Width = 640, Height = 360,
        CodecPrivateData = "00000001" + Sps + "00000001" + PpsHex,
    };

    // AudioSpecificConfig 0x1190: AAC-LC (2), 48 kHz (index 3), 2 channels.
    private static readonly TrackInfo Audio = new() { Kind = TrackKind.Audio, Name = "audio", Bitrate = 64_000, FourCC = "AACL", CodecPrivateData = "1190", SamplingRate = 48_000, Channels = 2 };

    [Fact]
    public void Write_VideoFragment_StartsWithPatAndPmtThenOnePesPerSampleOnTheMediaPid()
    {
        var ts = TsDemux.Read(TsSegmentWriter.Write(TsTrack.For(Video), VideoFragment(0), 1));

        ts.Packets[0].Pid.ShouldBe(0, "PAT first");
        ts.Packets[1].Pid.ShouldBe(TsSegmentWriter.PmtPid, "then the PMT");
        var pat = ts.Packets[0].Payload;
        pat[1].ShouldBe((byte)0x00, "table_id: program_association_section");
        (((pat[11] & 0x1F) << 8) | pat[12]).ShouldBe(TsSegmentWriter.PmtPid, "program 1's PMT PID");
        var pmt = ts.Packets[1].Payload;
        pmt[1].ShouldBe((byte)0x02, "table_id: TS_program_map_section");
        (((pmt[9] & 0x1F) << 8) | pmt[10]).ShouldBe(TsSegmentWriter.MediaPid, "PCR_PID");
        pmt[13].ShouldBe((byte)0x1B, "stream_type: AVC video");
        (((pmt[14] & 0x1F) << 8) | pmt[15]).ShouldBe(TsSegmentWriter.MediaPid);
        ts.Packets.Skip(2).ShouldAllBe(p => p.Pid == TsSegmentWriter.MediaPid);
        ts.PesOf(TsSegmentWriter.MediaPid).Count.ShouldBe(3);
    }

    [Fact]
    public void Write_KeyFrame_AnnexBWithDelimiterAndParameterSetsOthersWithoutThem()
    {
        var pes = TsDemux.Read(TsSegmentWriter.Write(TsTrack.For(Video), VideoFragment(0), 1)).PesOf(TsSegmentWriter.MediaPid);

        pes[0].Pes.StreamId.ShouldBe(0xE0);
        NalTypes(pes[0].Pes.Data).ShouldBe([9, 7, 8, 5], "AUD, SPS, PPS, IDR slice");
        Convert.ToHexString(Nal(pes[0].Pes.Data, 1)).ShouldBe(Sps);
        Convert.ToHexString(Nal(pes[0].Pes.Data, 2)).ShouldBe(PpsHex);
        pes[0].First.RandomAccess.ShouldBeTrue("random_access_indicator on the key frame");

        // The second sample brought its own delimiter: still one per access unit.
        NalTypes(pes[1].Pes.Data).ShouldBe([9, 1]);
        pes[1].First.RandomAccess.ShouldBeFalse();
        Nal(pes[1].Pes.Data, 1).ShouldBe(new byte[] { 0x41, 0xBB, 0xCC });
    }

    [Fact]
    public void Write_BFrames_PtsIsTheCompositionTimePlusTheOffsetDtsTheDecodeTimeAndPcrNeverAfterDts()
    {
        // 40 ms frames at 10 s: the second sample presents one frame before it decodes (a B-frame).
        var pes = TsDemux.Read(TsSegmentWriter.Write(TsTrack.For(Video), VideoFragment(10 * Second), 1)).PesOf(TsSegmentWriter.MediaPid);

        var frame = 3_600; // 40 ms at 90 kHz
        pes.Select(p => p.Pes.Dts ?? p.Pes.Pts).ShouldBe([900_000, 900_000 + frame, 900_000 + (2 * frame)]);
        pes.Select(p => p.Pes.Pts - TsSegmentWriter.PresentationOffset).ShouldBe([900_000 + frame, 900_000, 900_000 + (2 * frame)]);
        foreach (var (first, unit) in pes)
        {
            unit.Pts.ShouldBeGreaterThanOrEqualTo(unit.Dts ?? unit.Pts, "13818-1 2.7.5: never presented before decoded");
            first.PcrBase.ShouldNotBeNull("a PCR with every PES");
            first.PcrBase!.Value.ShouldBeLessThanOrEqualTo(unit.Dts ?? unit.Pts);
        }
    }

    [Fact]
    public void Write_ConsecutiveSegments_ContinuityCountersRunOnAcrossTheBoundary()
    {
        var track = TsTrack.For(Video);
        var first = TsDemux.Read(TsSegmentWriter.Write(track, VideoFragment(0, bigFrame: 5_000), 7));
        var second = TsDemux.Read(TsSegmentWriter.Write(track, VideoFragment(3 * 400_000, bigFrame: 900), 8));

        foreach (var pid in new[] { 0, TsSegmentWriter.PmtPid, TsSegmentWriter.MediaPid })
        {
            var counters = first.Of(pid).Concat(second.Of(pid)).Select(p => p.Continuity).ToList();
            for (var i = 1; i < counters.Count; i++)
            {
                counters[i].ShouldBe((counters[i - 1] + 1) % 16, $"PID {pid:x}, packet {i}");
            }
        }

        first.Packets.Concat(second.Packets).ShouldAllBe(p => p.HasPayload && !p.Discontinuity);
    }

    [Fact]
    public void Write_AacFrames_EachBehindAnAdtsHeaderFromTheAudioSpecificConfig()
    {
        ImmutableArray<Sample> samples = [new(21_333, 10, Sample.SyncFlags, 0), new(21_333, 12, Sample.SyncFlags, 0)];
        var data = Enumerable.Range(0, 22).Select(i => (byte)i).ToArray();
        var ts = TsDemux.Read(TsSegmentWriter.Write(TsTrack.For(Audio), new Fragment(0, samples, data), 1));

        ts.Packets[1].Payload[13].ShouldBe((byte)0x0F, "stream_type: AAC in ADTS");
        var pes = ts.PesOf(TsSegmentWriter.MediaPid);
        pes.Count.ShouldBe(2);
        var adts = pes[1].Pes.Data;
        pes[1].Pes.StreamId.ShouldBe(0xC0);
        (adts[0] << 4 | adts[1] >> 4).ShouldBe(0xFFF, "syncword");
        (adts[1] & 1).ShouldBe(1, "protection_absent");
        (adts[2] >> 6).ShouldBe(1, "profile: AAC LC (object type 2, minus 1)");
        ((adts[2] >> 2) & 0xF).ShouldBe(3, "sampling_frequency_index: 48 kHz");
        (((adts[2] & 1) << 2) | (adts[3] >> 6)).ShouldBe(2, "channel_configuration");
        (((adts[3] & 3) << 11) | (adts[4] << 3) | (adts[5] >> 5)).ShouldBe(7 + 12, "aac_frame_length: header and frame");
        adts[7..].ShouldBe(data[10..]);
        pes[1].Pes.DeclaredLength.ShouldBe(3 + 5 + 7 + 12, "PES_packet_length: flags, header data, ADTS frame");
        pes[1].Pes.Pts.ShouldBe(TsSegmentWriter.PresentationOffset + 191, "21,333 ticks of 100 ns at 90 kHz, rounded down");
    }

    [Theory]
    [InlineData(300)]
    [InlineData(5_000)]
    [InlineData(60_000)]
    public void MaxLength_VideoFragments_CoversTheSegmentWithinAFewPackets(int keyFrameSize)
    {
        var fragment = VideoFragment(0, keyFrameSize);
        var written = TsSegmentWriter.Write(TsTrack.For(Video), fragment, 3).Length;

        var bound = TsSegmentWriter.MaxLength(fragment, TrackKind.Video);

        bound.ShouldBeGreaterThanOrEqualTo(written, "HLS BANDWIDTH must cover every segment (RFC 8216 4.3.4.2)");
        bound.ShouldBeLessThanOrEqualTo(written + (20 * 188), "a bound, not a guess: a handful of packets over");
    }

    [Fact]
    public void MaxLength_AudioFragment_CoversTheSegment()
    {
        ImmutableArray<Sample> samples = [.. Enumerable.Range(0, 47).Select(_ => new Sample(21_333, 180, Sample.SyncFlags, 0))];
        var fragment = new Fragment(0, samples, new byte[47 * 180]);

        TsSegmentWriter.MaxLength(fragment, TrackKind.Audio).ShouldBeGreaterThanOrEqualTo(TsSegmentWriter.Write(TsTrack.For(Audio), fragment, 1).Length);
    }

    [Fact]
    public void For_UnsupportedCodec_SaysToUseCmaf()
    {
        var hevc = Video with { FourCC = "HEVC" };

        Should.Throw<MediaFormatException>(() => TsTrack.For(hevc)).Message.ShouldContain("m3u8-cmaf");
    }

    [Fact]
    public void Write_NalLengthPastTheSample_IsAMediaFormatError()
    {
        ImmutableArray<Sample> samples = [new(400_000, 8, Sample.SyncFlags, 0)];
        byte[] data = [0, 0, 0, 9, 0x65, 1, 2, 3];

        Should.Throw<MediaFormatException>(() => TsSegmentWriter.Write(TsTrack.For(Video), new Fragment(0, samples, data), 1));
    }

    /// <summary>Three 40 ms samples, length-prefixed: an IDR frame, a B-frame with its own delimiter presented a frame early, a P-frame.</summary>
    private static Fragment VideoFragment(long time, int bigFrame = 300)
    {
        var idr = new byte[bigFrame];
        idr[0] = 0x65;
        byte[] b = [0, 0, 0, 2, 0x09, 0x10, 0, 0, 0, 3, 0x41, 0xBB, 0xCC];
        byte[] p = [0, 0, 0, 2, 0x41, 0xDD];
        var data = new byte[4 + idr.Length + b.Length + p.Length];
        data[0] = (byte)(idr.Length >> 24);
        data[1] = (byte)(idr.Length >> 16);
        data[2] = (byte)(idr.Length >> 8);
        data[3] = (byte)idr.Length;
        idr.CopyTo(data, 4);
        b.CopyTo(data, 4 + idr.Length);
        p.CopyTo(data, 4 + idr.Length + b.Length);
        ImmutableArray<Sample> samples =
        [
            new(400_000, (uint)(4 + idr.Length), Sample.SyncFlags, 400_000),
            new(400_000, (uint)b.Length, Sample.NonSyncFlags, -400_000),
            new(400_000, (uint)p.Length, Sample.NonSyncFlags, 0),
        ];
        return new Fragment(time, samples, data);
    }

    private static List<int> NalTypes(byte[] annexB) => Nals(annexB).Select(n => n[0] & 0x1F).ToList();

    private static byte[] Nal(byte[] annexB, int index) => Nals(annexB)[index];

    /// <summary>NAL units of an Annex B stream with 4-byte start codes.</summary>
    private static List<byte[]> Nals(byte[] annexB)
    {
        var starts = new List<int>();
        for (var i = 0; i + 3 < annexB.Length; i++)
        {
            if (annexB[i] == 0 && annexB[i + 1] == 0 && annexB[i + 2] == 0 && annexB[i + 3] == 1)
            {
                starts.Add(i + 4);
            }
        }

        return starts.Select((s, k) => annexB[s..((k + 1 < starts.Count ? starts[k + 1] : annexB.Length + 4) - 4)]).ToList();
    }
}
