using System.Buffers;
using Cluster.Media.Boxes;

namespace Cluster.Media.Tests.Boxes;

public sealed class BoxReaderTests
{
    [Fact]
    public void TryReadHeader_CompactSize_ReadsTypeAndSize()
    {
        byte[] bytes = [0, 0, 0, 16, (byte)'f', (byte)'r', (byte)'e', (byte)'e', 0, 0, 0, 0, 0, 0, 0, 0];

        BoxReader.TryReadHeader(bytes, 100, 1000, false, out var header).ShouldBeTrue();

        header.ShouldBe(new BoxHeader(FourCC.Free, 16, 8, 100, Guid.Empty));
        header.PayloadSize.ShouldBe(8);
    }

    [Fact]
    public void TryReadHeader_LargeSize_ReadsSixtyFourBits()
    {
        byte[] bytes = [0, 0, 0, 1, (byte)'m', (byte)'d', (byte)'a', (byte)'t', 0, 0, 0, 1, 0, 0, 0, 0];

        BoxReader.TryReadHeader(bytes, 0, long.MaxValue, false, out var header).ShouldBeTrue();

        header.Size.ShouldBe(1L << 32);
        header.HeaderSize.ShouldBe(16);
    }

    [Fact]
    public void TryReadHeader_UuidInSequenceSegments_ReadsExtendedType()
    {
        var writer = new BoxWriter();
        var start = writer.StartUuidBox(SmoothUuids.ToBoxBytes(SmoothUuids.Tfxd));
        writer.WriteUInt32(0);
        writer.EndBox(start);
        var bytes = writer.ToArray();
        var sequence = SequenceOf(bytes[..5], bytes[5..13], bytes[13..]);

        BoxReader.TryReadHeader(sequence, 0, 1000, false, out var header).ShouldBeTrue();

        header.Type.ShouldBe(FourCC.Uuid);
        header.ExtendedType.ShouldBe(SmoothUuids.Tfxd);
        header.HeaderSize.ShouldBe(24);
        header.Size.ShouldBe(28);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(23)]
    public void TryReadHeader_IncompleteUuidHeader_ReturnsFalse(int length)
    {
        var bytes = new byte[24];
        bytes[3] = 1;
        "uuid"u8.CopyTo(bytes.AsSpan(4));
        bytes[15] = 40;

        BoxReader.TryReadHeader(bytes.AsSpan(0, length), 0, 1000, false, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryReadHeader_SizeZero_AllowedOnlyWhereLegal()
    {
        byte[] bytes = [0, 0, 0, 0, (byte)'m', (byte)'d', (byte)'a', (byte)'t'];

        BoxReader.TryReadHeader(bytes, 0, 100, true, out var header).ShouldBeTrue();
        header.ExtendsToEnd.ShouldBeTrue();
        header.PayloadSize.ShouldBe(-1);
        Should.Throw<MediaFormatException>(() => BoxReader.TryReadHeader(bytes, 8, 100, false, out _))
            .Message.ShouldContain("'mdat' at offset 8 has size 0");
    }

    [Theory]
    [InlineData(4u, "smaller than its 8-byte header")]
    [InlineData(2000u, "over the limit of 1000")]
    public void TryReadHeader_LyingSize_ThrowsNamingBoxAndOffset(uint size, string message)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, size);
        "moof"u8.CopyTo(bytes.AsSpan(4));

        var error = Should.Throw<MediaFormatException>(() => BoxReader.TryReadHeader(bytes, 77, 1000, false, out _));

        error.Message.ShouldContain("'moof' at offset 77");
        error.Message.ShouldContain(message);
    }

    [Fact]
    public void FileTypeBox_WriteThenRead_RoundTrips()
    {
        var box = new FileTypeBox(FourCC.Of("isml"), 512, [FourCC.Of("piff"), FourCC.Of("iso2")]);
        var writer = new BoxWriter();

        box.Write(writer);
        var read = FileTypeBox.Read(writer.WrittenSpan, 0);

        read.MajorBrand.ShouldBe(box.MajorBrand);
        read.MinorVersion.ShouldBe(512u);
        read.CompatibleBrands.ShouldBe(box.CompatibleBrands);
    }

    [Fact]
    public void FileTypeBox_ReadFfmpegCapture_IsIsml()
    {
        var ftyp = FileTypeBox.Read(TestSupport.TestFile.ThreeTracks.AsSpan(0, 24), 0);

        FourCC.ToString(ftyp.MajorBrand).ShouldBe("isml");
    }

    [Fact]
    public void MovieBox_TrexWrittenInsideMoov_RoundTrips()
    {
        var trex = new TrackExtendsBox(7, 1, 400_000, 10, Cluster.Media.Model.Sample.NonSyncFlags);
        var writer = new BoxWriter();
        var moov = writer.StartBox(FourCC.Moov);
        var mvex = writer.StartBox(FourCC.Mvex);
        trex.Write(writer);
        writer.EndBox(mvex);
        writer.EndBox(moov);

        var movie = MovieBox.Read(writer.WrittenSpan, 0);

        movie.FindTrackExtends(7).ShouldBe(trex);
        movie.FindTrackExtends(8).ShouldBeNull();
    }

    private static ReadOnlySequence<byte> SequenceOf(params byte[][] parts)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(part, last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
