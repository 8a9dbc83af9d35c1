using Cluster.Media.CmafIngest;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.CmafIngest;

public sealed class CmafSegmentReaderTests
{
    private static readonly CmafHeader Video = CmafHeaderReader.Read(CmafTestFiles.Read("plain/init-stream0.m4s"), IngestLimits.Default);
    private static readonly CmafHeader Audio = CmafHeaderReader.Read(CmafTestFiles.Read("plain/init-stream1.m4s"), IngestLimits.Default);
    private static readonly CmafHeader Chunked = CmafHeaderReader.Read(CmafTestFiles.Read("chunked/init-stream0.m4s"), IngestLimits.Default);

    [Theory]
    [InlineData("plain/chunk-stream0-00001.m4s", "plain/chunk-stream0-00002.m4s", "video")]
    [InlineData("plain/chunk-stream1-00001.m4s", "plain/chunk-stream1-00002.m4s", "audio")]
    [InlineData("chunked/chunk-stream0-00001.m4s", "chunked/chunk-stream0-00002.m4s", "chunked")]
    public void Read_FfmpegSegment_OneFragmentAtTfdtEndingWhereTheNextSegmentStarts(string file, string nextFile, string track)
    {
        var header = track switch { "video" => Video, "audio" => Audio, _ => Chunked };
        var bytes = CmafTestFiles.Read(file);
        var chunks = CmafTestFiles.Chunks(bytes);
        var next = CmafTestFiles.Chunks(CmafTestFiles.Read(nextFile));

        var segment = CmafSegmentReader.Read(bytes, header, IngestLimits.Default);

        var fragment = segment.Fragment.ShouldNotBeNull();
        segment.ChunkCount.ShouldBe(chunks.Count);
        segment.IsLast.ShouldBeFalse();
        fragment.Time.ShouldBe((long)chunks[0].Tfdt);
        fragment.End.ShouldBe((long)next[0].Tfdt);
        fragment.Samples.Length.ShouldBe(chunks.Sum(c => c.Samples));
        fragment.Data.ToArray().ShouldBe(chunks.SelectMany(c => c.Payload).ToArray());
    }

    [Fact]
    public void Read_ChunkedSegment_CombinesAllChunksWithOneKeyFrameFirst()
    {
        var segment = CmafSegmentReader.Read(CmafTestFiles.Read("chunked/chunk-stream0-00001.m4s"), Chunked, IngestLimits.Default);

        // 25 fps, one moof per frame, 1-second segments.
        segment.ChunkCount.ShouldBe(25);
        var fragment = segment.Fragment.ShouldNotBeNull();
        fragment.Samples.Length.ShouldBe(25);
        fragment.Samples[0].IsSync.ShouldBeTrue();
        fragment.Samples.Skip(1).ShouldAllBe(s => !s.IsSync);
        fragment.Duration.ShouldBe(Chunked.Track.Timescale);
    }

    [Fact]
    public void Read_LmsgBrandInStyp_IsLast()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00002.m4s");
        var styp = TestFile.TopLevel(bytes)[0];
        styp.Type.ShouldBe("styp");
        var withLmsg = TestFile.Patch32(bytes, styp.PayloadOffset + 8, 0x6C6D7367); // first compatible brand -> 'lmsg'

        CmafSegmentReader.Read(withLmsg, Video, IngestLimits.Default).IsLast.ShouldBeTrue();
    }

    [Fact]
    public void Read_EmptyMfraOnly_IsLastWithoutFragment()
    {
        byte[] mfra = [0, 0, 0, 8, (byte)'m', (byte)'f', (byte)'r', (byte)'a'];

        var segment = CmafSegmentReader.Read(mfra, Video, IngestLimits.Default);

        segment.IsLast.ShouldBeTrue();
        segment.Fragment.ShouldBeNull();
    }

    [Fact]
    public void Read_WithoutTfdt_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var moof = TestFile.TopLevel(bytes).Single(b => b.Type == "moof");
        var tfdt = TestFile.Child(bytes, TestFile.Child(bytes, moof, "traf"), "tfdt");
        var renamed = TestFile.Patch32(bytes, tfdt.Offset + 4, 0x66726565); // tfdt -> free

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(renamed, Video, IngestLimits.Default)).Message.ShouldContain("tfdt");
    }

    [Fact]
    public void Read_MoofWithoutMdat_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var moof = TestFile.TopLevel(bytes).Single(b => b.Type == "moof");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(bytes[..moof.End], Video, IngestLimits.Default)).Message.ShouldContain("mdat");
    }

    [Fact]
    public void Read_MdatBeforeMoof_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var mdat = TestFile.TopLevel(bytes).Single(b => b.Type == "mdat");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(bytes[mdat.Offset..], Video, IngestLimits.Default));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(200)]
    [InlineData(2000)]
    public void Read_Truncated_MediaFormatException(int cut)
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(bytes[..^cut], Video, IngestLimits.Default));
    }

    [Fact]
    public void Read_MdatSizeLargerThanBody_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var mdat = TestFile.TopLevel(bytes).Single(b => b.Type == "mdat");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(TestFile.Patch32(bytes, mdat.Offset, uint.MaxValue), Video, IngestLimits.Default));
    }

    [Fact]
    public void Read_SampleSizesBeyondMdat_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var mdat = TestFile.TopLevel(bytes).Single(b => b.Type == "mdat");

        // Shrink the mdat (and the body) by 100 bytes: the trun's samples no longer fit.
        var shrunk = TestFile.Patch32(bytes, mdat.Offset, (uint)mdat.Size - 100)[..^100];

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(shrunk, Video, IngestLimits.Default));
    }

    [Fact]
    public void Read_OtherTrackId_MediaFormatException()
    {
        // The audio segment's traf names a track the video header does not have... both are track 1 in ffmpeg's
        // one-track files, so patch the tfhd track_ID instead.
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");
        var moof = TestFile.TopLevel(bytes).Single(b => b.Type == "moof");
        var tfhd = TestFile.Child(bytes, TestFile.Child(bytes, moof, "traf"), "tfhd");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(TestFile.Patch32(bytes, tfhd.PayloadOffset + 4, 7), Video, IngestLimits.Default));
    }

    [Fact]
    public void Read_OverSampleLimit_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("chunked/chunk-stream0-00001.m4s");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(bytes, Chunked, new IngestLimits { MaxSamplesPerFragment = 10 }));
    }

    [Fact]
    public void Read_OverSizeLimit_MediaFormatException()
    {
        var bytes = CmafTestFiles.Read("plain/chunk-stream0-00001.m4s");

        Should.Throw<MediaFormatException>(() => CmafSegmentReader.Read(bytes, Video, new IngestLimits { MaxFragmentSize = 1000 })).Message.ShouldContain("limit");
    }

    [Fact]
    public void Read_EveryTruncationAndSizeCorruption_OnlyMediaFormatException()
    {
        var bytes = CmafTestFiles.Read("chunked/chunk-stream0-00001.m4s");
        for (var cut = 1; cut < 600; cut += 7)
        {
            try
            {
                CmafSegmentReader.Read(bytes[..^cut], Chunked, IngestLimits.Default);
            }
            catch (MediaFormatException)
            {
            }
        }

        foreach (var box in TestFile.TopLevel(bytes).Take(12))
        {
            foreach (var size in new uint[] { 0, 1, 7, 9, (uint)box.Size - 1, (uint)box.Size + 1, int.MaxValue, uint.MaxValue })
            {
                try
                {
                    CmafSegmentReader.Read(TestFile.Patch32(bytes, box.Offset, size), Chunked, IngestLimits.Default);
                }
                catch (MediaFormatException)
                {
                }
            }
        }
    }
}
