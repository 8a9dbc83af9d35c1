using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

/// <summary>Hand-built moofs for the tfhd/trun field combinations ffmpeg does not produce.</summary>
public sealed class SmoothIngestReaderSyntheticTests
{
    [Fact]
    public async Task ReadFragmentAsync_TwoTrafsWithDefaultsTfdtAndBaseOffsets_ResolvesSamplesAndData()
    {
        var file = TestFile.ThreeTracks;
        var moov = TestFile.TopLevel(file).Single(b => b.Type == "moov");
        var header = file[..moov.End];
        var mdatPayloadOffset = header.Length + MoofSize() + 8;

        var writer = new BoxWriter();
        var moof = writer.StartBox(FourCC.Moof);
        var mfhd = writer.StartFullBox(FourCC.Mfhd, 0, 0);
        writer.WriteUInt32(9);
        writer.EndBox(mfhd);

        // Track 1: explicit base-data-offset (absolute), default duration/size/flags in tfhd, tfdt v1, trun with no fields.
        var traf = writer.StartBox(FourCC.Traf);
        var tfhd = writer.StartFullBox(FourCC.Tfhd, 0, 0x01 | 0x08 | 0x10 | 0x20);
        writer.WriteUInt32(1);
        writer.WriteUInt64((ulong)mdatPayloadOffset);
        writer.WriteUInt32(400_000);
        writer.WriteUInt32(3);
        writer.WriteUInt32(Sample.NonSyncFlags);
        writer.EndBox(tfhd);
        var tfdt = writer.StartFullBox(FourCC.Tfdt, 1, 0);
        writer.WriteUInt64(5_000_000_000);
        writer.EndBox(tfdt);
        var trun = writer.StartFullBox(FourCC.Trun, 0, 0x004);
        writer.WriteUInt32(2);
        writer.WriteUInt32(Sample.SyncFlags);
        writer.EndBox(trun);
        writer.EndBox(traf);

        // Track 3: default-base-is-moof, tfdt v0, trun with data offset and per-sample sizes only; duration from tfhd.
        traf = writer.StartBox(FourCC.Traf);
        tfhd = writer.StartFullBox(FourCC.Tfhd, 0, 0x020000 | 0x08);
        writer.WriteUInt32(3);
        writer.WriteUInt32(213_333);
        writer.EndBox(tfhd);
        tfdt = writer.StartFullBox(FourCC.Tfdt, 0, 0);
        writer.WriteUInt32(777);
        writer.EndBox(tfdt);
        trun = writer.StartFullBox(FourCC.Trun, 0, 0x001 | 0x200);
        writer.WriteUInt32(2);
        writer.WriteInt32(MoofSize() + 8 + 6);
        writer.WriteUInt32(1);
        writer.WriteUInt32(4);
        writer.EndBox(trun);
        writer.EndBox(traf);
        writer.EndBox(moof);
        writer.Length.ShouldBe(MoofSize());

        var mdat = writer.StartBox(FourCC.Mdat);
        writer.WriteBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xEE]);
        writer.EndBox(mdat);

        var result = await Ingest.ReadChunkedAsync(TestFile.Concat(header, writer.ToArray()), seed: 3, maxChunk: 5);

        result.Fragments.Count.ShouldBe(2);
        var video = result.Fragments[0];
        video.TrackId.ShouldBe(1u);
        video.SequenceNumber.ShouldBe(9u);
        video.Fragment.Time.ShouldBe(5_000_000_000);
        video.Fragment.Samples.ShouldBe([new Sample(400_000, 3, Sample.SyncFlags, 0), new Sample(400_000, 3, Sample.NonSyncFlags, 0)]);
        video.Fragment.Data.ToArray().ShouldBe(new byte[] { 1, 2, 3, 4, 5, 6 });
        var audio = result.Fragments[1];
        audio.TrackId.ShouldBe(3u);
        audio.Fragment.Time.ShouldBe(777);

        // trex of the capture says flags 0, so the audio samples are sync samples.
        audio.Fragment.Samples.ShouldBe([new Sample(213_333, 1, 0, 0), new Sample(213_333, 4, 0, 0)]);
        audio.Fragment.Data.ToArray().ShouldBe(new byte[] { 7, 8, 9, 10, 11 });
        result.Reader.EndedWithMfra.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadFragmentAsync_NoTimeBoxes_ContinuesFromPreviousEnd()
    {
        var file = TestFile.ThreeTracks;
        var moov = TestFile.TopLevel(file).Single(b => b.Type == "moov");
        var body = new List<byte>(file[..moov.End]);
        for (var i = 0; i < 3; i++)
        {
            var writer = new BoxWriter();
            var moof = writer.StartBox(FourCC.Moof);
            var mfhd = writer.StartFullBox(FourCC.Mfhd, 0, 0);
            writer.WriteUInt32((uint)i);
            writer.EndBox(mfhd);
            var traf = writer.StartBox(FourCC.Traf);
            var tfhd = writer.StartFullBox(FourCC.Tfhd, 0, 0x020000 | 0x08 | 0x10);
            writer.WriteUInt32(2);
            writer.WriteUInt32(1000);
            writer.WriteUInt32(1);
            writer.EndBox(tfhd);
            var trun = writer.StartFullBox(FourCC.Trun, 0, 0x001);
            writer.WriteUInt32(3);
            var offsetAt = writer.Length;
            writer.WriteUInt32(0);
            writer.EndBox(trun);
            writer.EndBox(traf);
            writer.EndBox(moof);
            writer.PatchUInt32(offsetAt, (uint)writer.Length + 8);
            var mdat = writer.StartBox(FourCC.Mdat);
            writer.WriteBytes([1, 2, 3]);
            writer.EndBox(mdat);
            body.AddRange(writer.ToArray());
        }

        var result = await Ingest.ReadWholeAsync([.. body]);

        result.Fragments.Select(f => f.Fragment.Time).ShouldBe([0L, 3000L, 6000L]);
    }

    private static int MoofSize() =>
        8 + 16 // moof, mfhd
        + 8 + (12 + 4 + 8 + 12) + (12 + 8) + (12 + 4 + 4) // traf 1: tfhd with base offset and 3 defaults, tfdt v1, trun with first-sample flags
        + 8 + (12 + 4 + 4) + (12 + 4) + (12 + 4 + 4 + 8); // traf 2: tfhd with duration, tfdt v0, trun with offset and 2 sizes
}
