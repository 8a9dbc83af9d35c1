using Cluster.Media.Codecs;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothIngestReaderTests
{
    private const long TwoSeconds = 20_000_000;

    public static TheoryData<int> Seeds => [1, 2, 3, 42, 1234];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ReadHeaderAsync_FfmpegCaptureInRandomChunks_TracksCarrySmilValues(int seed)
    {
        var result = await Ingest.ReadChunkedAsync(TestFile.ThreeTracks, seed);

        var tracks = result.Header.Tracks;
        tracks.Length.ShouldBe(3);
        AssertVideo(tracks[0], 1, 200000, 160, 90, "000000016764000CACD9428DF93011000003000100000300320F1429960000000168EFBCB0");
        AssertVideo(tracks[1], 2, 100000, 128, 72, "000000016764000BACD9420BF97011000003000100000300320F1429960000000168EFBCB0");
        var audio = tracks[2];
        audio.Kind.ShouldBe(TrackKind.Audio);
        audio.TrackId.ShouldBe(3u);
        audio.Name.ShouldBe("audio");
        audio.Bitrate.ShouldBe(64000);
        audio.FourCC.ShouldBe("AACL");
        audio.CodecPrivateData.ShouldBe("118856E500");
        audio.AudioTag.ShouldBe(255);
        audio.Channels.ShouldBe(1);
        audio.SamplingRate.ShouldBe(48000);
        audio.BitsPerSample.ShouldBe(16);
        audio.PacketSize.ShouldBe(4);
        audio.Timescale.ShouldBe(10_000_000);
        audio.Language.ShouldBeNull();
    }

    [Fact]
    public async Task ReadHeaderAsync_FfmpegCapture_CodecPrivateDataMatchesMoovDecoderConfig()
    {
        var file = TestFile.ThreeTracks;
        var result = await Ingest.ReadWholeAsync(file);

        var moov = TestFile.TopLevel(file).Single(b => b.Type == "moov");
        var traks = TestFile.Children(file, moov.PayloadOffset, moov.End).Where(b => b.Type == "trak").ToList();
        for (var i = 0; i < 2; i++)
        {
            var stsd = Descend(file, traks[i], "mdia", "minf", "stbl", "stsd");
            var avc1 = TestFile.Child(file, stsd, "avc1", skip: 8);
            var avcC = TestFile.Child(file, avc1, "avcC", skip: 78);
            var avcCPayload = file.AsSpan(avcC.PayloadOffset, avcC.Size - 8);
            result.Header.Tracks[i].DecoderConfig.ToArray().ShouldBe(avcCPayload.ToArray());
            CodecPrivateData.FromAvcDecoderConfiguration(avcCPayload).ShouldBe(result.Header.Tracks[i].CodecPrivateData);
        }

        // ffmpeg's esds ends with DecoderSpecificInfo (tag 5, 4-byte size 5, the AudioSpecificConfig) and a 6-byte SLConfigDescriptor.
        var audioStsd = Descend(file, traks[2], "mdia", "minf", "stbl", "stsd");
        var mp4a = TestFile.Child(file, audioStsd, "mp4a", skip: 8);
        var esds = TestFile.Child(file, mp4a, "esds", skip: 28);
        file[esds.End - 16].ShouldBe((byte)5);
        file[esds.End - 12].ShouldBe((byte)5);
        file[esds.End - 6].ShouldBe((byte)6);
        var asc = file.AsSpan(esds.End - 11, 5).ToArray();
        result.Header.Tracks[2].DecoderConfig.ToArray().ShouldBe(asc);
        CodecPrivateData.FromAudioSpecificConfig(asc).ShouldBe(result.Header.Tracks[2].CodecPrivateData);
    }

    [Fact]
    public async Task ReadHeaderAsync_FfmpegCapture_KeepsRawHeaderBoxes()
    {
        var file = TestFile.ThreeTracks;
        var boxes = TestFile.TopLevel(file);

        var result = await Ingest.ReadWholeAsync(file);

        result.Header.Ftyp.ToArray().ShouldBe(Slice(file, boxes.Single(b => b.Type == "ftyp")));
        result.Header.LiveManifest.ToArray().ShouldBe(Slice(file, boxes.Single(b => b.Type == "uuid")));
        result.Header.Moov.ToArray().ShouldBe(Slice(file, boxes.Single(b => b.Type == "moov")));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ReadFragmentAsync_FfmpegCaptureInRandomChunks_VideoFragmentsOnTwoSecondGrid(int seed)
    {
        var result = await Ingest.ReadChunkedAsync(TestFile.ThreeTracks, seed);

        foreach (var trackId in new uint[] { 1, 2 })
        {
            var fragments = result.Fragments.Where(f => f.TrackId == trackId).Select(f => f.Fragment).ToList();
            fragments.Select(f => f.Time).ShouldBe([0L, TwoSeconds]);
            fragments.ShouldAllBe(f => f.Duration == TwoSeconds);
            fragments.ShouldAllBe(f => f.Samples.Length == 50);
            fragments.ShouldAllBe(f => f.Samples[0].IsSync && !f.Samples[1].IsSync);
        }

        result.Fragments.Select(f => f.SequenceNumber).ShouldBe([1u, 2u, 3u, 4u, 5u, 6u]);
        result.Fragments.Select(f => f.TrackId).ShouldBe([1u, 2u, 3u, 1u, 2u, 3u]);
        result.Reader.EndedWithMfra.ShouldBeTrue();
        result.Reader.BytesRead.ShouldBe(TestFile.ThreeTracks.Length);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ReadFragmentAsync_FfmpegCaptureInRandomChunks_DataIsExactlyTheMdatPayload(int seed)
    {
        var file = TestFile.ThreeTracks;
        var mdats = TestFile.TopLevel(file).Where(b => b.Type == "mdat").ToList();

        var result = await Ingest.ReadChunkedAsync(file, seed);

        result.Fragments.Count.ShouldBe(mdats.Count);
        for (var i = 0; i < mdats.Count; i++)
        {
            var fragment = result.Fragments[i].Fragment;
            fragment.Samples.Sum(s => (long)s.Size).ShouldBe(fragment.Data.Length);
            var payload = file.AsSpan(mdats[i].Offset + 8, mdats[i].Size - 8).ToArray();
            if (i == 2)
            {
                // The priming sample was dropped: the data is the payload after the first sample.
                var firstSize = FirstAudioSampleSize(file, 0);
                payload = payload[(int)firstSize..];
            }

            fragment.Data.ToArray().ShouldBe(payload);
        }
    }

    [Fact]
    public async Task ReadFragmentAsync_AacPrimingBeforeZero_FirstAudioFragmentTrimmedToStartAtZero()
    {
        var file = TestFile.ThreeTracks;
        var result = await Ingest.ReadWholeAsync(file);

        var audio = result.Fragments.Where(f => f.TrackId == 3).Select(f => f.Fragment).ToList();
        audio.Count.ShouldBe(2);

        // From the file: first tfxd says -213333 for 19413333 ticks; the first sample (213333 ticks) ends exactly at 0.
        var (tfxdTime, tfxdDuration) = AudioTfxd(file, 0);
        tfxdTime.ShouldBe(-213333);
        audio[0].Time.ShouldBe(0);
        audio[0].End.ShouldBe(tfxdTime + tfxdDuration);
        audio[0].Samples.Length.ShouldBe((int)AudioSampleCount(file, 0) - 1);
        var (secondTime, _) = AudioTfxd(file, 1);
        audio[1].Time.ShouldBe(secondTime);
        audio[1].Samples.Length.ShouldBe((int)AudioSampleCount(file, 1));
    }

    [Fact]
    public async Task ReadFragmentAsync_BodyEndsCleanlyWithoutMfra_ReturnsNullAndNotEndedWithMfra()
    {
        var file = TestFile.ThreeTracks;
        var mfra = TestFile.TopLevel(file).Single(b => b.Type == "mfra");

        var result = await Ingest.ReadChunkedAsync(file[..mfra.Offset], seed: 5);

        result.Fragments.Count.ShouldBe(6);
        result.Reader.EndedWithMfra.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadFragmentAsync_HeaderOnly_NoFragments()
    {
        var file = TestFile.ThreeTracks;
        var moov = TestFile.TopLevel(file).Single(b => b.Type == "moov");

        var result = await Ingest.ReadChunkedAsync(file[..moov.End], seed: 5);

        result.Header.Tracks.Length.ShouldBe(3);
        result.Fragments.ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadHeaderAsync_NoLiveManifest_TracksFromMoovAlone()
    {
        var file = TestFile.ThreeTracks;
        var uuid = TestFile.TopLevel(file).Single(b => b.Type == "uuid");
        var body = TestFile.Concat(file[..uuid.Offset], file[uuid.End..]);

        var result = await Ingest.ReadWholeAsync(body);

        var tracks = result.Header.Tracks;
        tracks.Select(t => t.Name).ShouldBe(["video", "video", "audio"]);
        tracks.Select(t => t.FourCC).ShouldBe(["H264", "H264", "AACL"]);

        // No btrt in ffmpeg's avc1: both video tracks have bitrate 0 and get distinct synthetic values; esds says 64000.
        tracks[0].Bitrate.ShouldBe(0);
        tracks[1].Bitrate.ShouldBe(1);
        tracks[2].Bitrate.ShouldBe(64000);
        tracks[0].CodecPrivateData.ShouldBe("000000016764000CACD9428DF93011000003000100000300320F1429960000000168EFBCB0");
        tracks[2].CodecPrivateData.ShouldBe("118856E500");
        tracks[0].Width.ShouldBe(160);
        tracks[1].Height.ShouldBe(72);
        tracks[2].SamplingRate.ShouldBe(48000);
        result.Header.LiveManifest.IsEmpty.ShouldBeTrue();
        result.Fragments.Count.ShouldBe(6);
    }

    [Fact]
    public void Constructor_InvalidLimits_Throws()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        Should.Throw<ArgumentOutOfRangeException>(() => new SmoothIngestReader(pipe.Reader, new IngestLimits { MaxTracks = 0 }));
    }

    private static void AssertVideo(TrackInfo track, uint id, int bitrate, int width, int height, string codecPrivateData)
    {
        track.Kind.ShouldBe(TrackKind.Video);
        track.TrackId.ShouldBe(id);
        track.Name.ShouldBe("video");
        track.Bitrate.ShouldBe(bitrate);
        track.FourCC.ShouldBe("H264");
        track.CodecPrivateData.ShouldBe(codecPrivateData);
        track.Width.ShouldBe(width);
        track.Height.ShouldBe(height);
        track.DisplayWidth.ShouldBe(width);
        track.DisplayHeight.ShouldBe(height);
    }

    private static TestFile.RawBox Descend(byte[] file, TestFile.RawBox box, params string[] path)
    {
        foreach (var type in path)
        {
            box = TestFile.Child(file, box, type);
        }

        return box;
    }

    private static byte[] Slice(byte[] file, TestFile.RawBox box) => file.AsSpan(box.Offset, box.Size).ToArray();

    private static TestFile.RawBox AudioTraf(byte[] file, int index)
    {
        var moofs = TestFile.TopLevel(file).Where(b => b.Type == "moof").ToList();
        return moofs.Select(m => TestFile.Child(file, m, "traf"))
            .Where(traf => TestFile.UInt32At(file, traf.PayloadOffset + 8 + 4) == 3)
            .ElementAt(index);
    }

    private static (long Time, long Duration) AudioTfxd(byte[] file, int index)
    {
        var tfxd = TestFile.Child(file, AudioTraf(file, index), "uuid");
        return ((long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(tfxd.PayloadOffset + 4)),
            (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(tfxd.PayloadOffset + 12)));
    }

    private static uint AudioSampleCount(byte[] file, int index) =>
        TestFile.UInt32At(file, TestFile.Child(file, AudioTraf(file, index), "trun").PayloadOffset + 4);

    private static uint FirstAudioSampleSize(byte[] file, int index)
    {
        // ffmpeg's audio trun has flags 0x301: data offset, then duration and size per sample.
        var trun = TestFile.Child(file, AudioTraf(file, index), "trun");
        TestFile.UInt32At(file, trun.PayloadOffset).ShouldBe(0x01000301u);
        return TestFile.UInt32At(file, trun.PayloadOffset + 12 + 4);
    }
}
