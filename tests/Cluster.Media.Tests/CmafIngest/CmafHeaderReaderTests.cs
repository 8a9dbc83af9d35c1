using Cluster.Media.CmafIngest;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.CmafIngest;

public sealed class CmafHeaderReaderTests
{
    [Fact]
    public void Read_FfmpegVideoInit_OneH264TrackWithTrackTimescaleAndTrexDefaults()
    {
        var init = CmafTestFiles.Read("plain/init-stream0.m4s");

        var header = CmafHeaderReader.Read(init, IngestLimits.Default);

        header.Track.Kind.ShouldBe(TrackKind.Video);
        header.Track.Name.ShouldBe("video");
        header.Track.FourCC.ShouldBe("H264");
        header.Track.Width.ShouldBe(160);
        header.Track.Height.ShouldBe(90);

        // mdhd timescale of the capture (ffmpeg picks 12800 for 25 fps).
        var moov = TestFile.TopLevel(init).Single(b => b.Type == "moov");
        var mdhd = TestFile.Child(init, TestFile.Child(init, TestFile.Child(init, moov, "trak"), "mdia"), "mdhd");
        header.Track.Timescale.ShouldBe(TestFile.UInt32At(init, mdhd.PayloadOffset + 4 + 8));
        header.Track.Timescale.ShouldBe(12800);

        var trex = TestFile.Child(init, TestFile.Child(init, moov, "mvex"), "trex");
        var trackExtends = header.Movie.FindTrackExtends(header.Track.TrackId).ShouldNotBeNull();
        trackExtends.TrackId.ShouldBe(TestFile.UInt32At(init, trex.PayloadOffset + 4));
        trackExtends.DefaultSampleDuration.ShouldBe(TestFile.UInt32At(init, trex.PayloadOffset + 12));
        header.Length.ShouldBe(init.Length);
        header.Ftyp.Length.ShouldBe(TestFile.TopLevel(init)[0].Size);
    }

    [Fact]
    public void Read_FfmpegAudioInit_OneAacTrackAt48kHzWithEsdsBitrate()
    {
        var header = CmafHeaderReader.Read(CmafTestFiles.Read("plain/init-stream1.m4s"), IngestLimits.Default);

        header.Track.Kind.ShouldBe(TrackKind.Audio);
        header.Track.Name.ShouldBe("audio");
        header.Track.FourCC.ShouldBe("AACL");
        header.Track.Timescale.ShouldBe(48000);
        header.Track.SamplingRate.ShouldBe(48000);
        header.Track.Bitrate.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Read_MoovWithoutFtyp_Accepted()
    {
        var init = CmafTestFiles.Read("plain/init-stream0.m4s");
        var moov = TestFile.TopLevel(init).Single(b => b.Type == "moov");

        var header = CmafHeaderReader.Read(init[moov.Offset..moov.End], IngestLimits.Default);

        header.Ftyp.IsEmpty.ShouldBeTrue();
        header.Track.FourCC.ShouldBe("H264");
    }

    [Fact]
    public void Read_TwoTrackMoov_MediaFormatException()
    {
        // The Smooth capture's moov has three tracks; a CMAF header has exactly one.
        var smooth = TestFile.ThreeTracks;
        var moov = TestFile.TopLevel(smooth).Single(b => b.Type == "moov");

        Should.Throw<MediaFormatException>(() => CmafHeaderReader.Read(smooth[moov.Offset..moov.End], IngestLimits.Default))
            .Message.ShouldContain("exactly one");
    }

    [Fact]
    public void Read_EncryptedSampleEntry_UnsupportedMediaException()
    {
        var init = PatchSampleEntry(CmafTestFiles.Read("plain/init-stream0.m4s"), "avc1", "encv");

        Should.Throw<UnsupportedMediaException>(() => CmafHeaderReader.Read(init, IngestLimits.Default)).Message.ShouldContain("encrypted");
    }

    [Fact]
    public void Read_UnknownSampleEntry_UnsupportedMediaException()
    {
        var init = PatchSampleEntry(CmafTestFiles.Read("plain/init-stream1.m4s"), "mp4a", "ac-3");

        Should.Throw<UnsupportedMediaException>(() => CmafHeaderReader.Read(init, IngestLimits.Default));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(40)]
    [InlineData(5)]
    public void Read_Truncated_MediaFormatException(int keep)
    {
        var init = CmafTestFiles.Read("plain/init-stream0.m4s");

        Should.Throw<MediaFormatException>(() => CmafHeaderReader.Read(init[..keep], IngestLimits.Default));
    }

    [Fact]
    public void Read_MoovSizeLargerThanBody_MediaFormatException()
    {
        var init = CmafTestFiles.Read("plain/init-stream0.m4s");
        var moov = TestFile.TopLevel(init).Single(b => b.Type == "moov");
        var lying = TestFile.Patch32(init, moov.Offset, (uint)moov.Size + 1000);

        Should.Throw<MediaFormatException>(() => CmafHeaderReader.Read(lying, IngestLimits.Default)).Message.ShouldContain("moov");
    }

    [Fact]
    public void Read_MoovOverHeaderLimit_MediaFormatException()
    {
        var init = CmafTestFiles.Read("plain/init-stream0.m4s");

        Should.Throw<MediaFormatException>(() => CmafHeaderReader.Read(init, new IngestLimits { MaxHeaderBoxSize = 500 })).Message.ShouldContain("limit");
    }

    [Fact]
    public void Read_SegmentInsteadOfHeader_MediaFormatException()
    {
        Should.Throw<MediaFormatException>(() => CmafHeaderReader.Read(CmafTestFiles.Read("plain/chunk-stream0-00001.m4s"), IngestLimits.Default));
    }

    private static byte[] PatchSampleEntry(byte[] init, string from, string to)
    {
        var copy = (byte[])init.Clone();
        var index = copy.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(from));
        index.ShouldBeGreaterThan(0);
        System.Text.Encoding.ASCII.GetBytes(to).CopyTo(copy, index);
        return copy;
    }
}
