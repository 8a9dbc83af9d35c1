using System.Buffers.Binary;
using System.Text;
using Cluster.Media.Boxes;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothIngestReaderMalformedTests
{
    private static byte[] File => TestFile.ThreeTracks;

    private static List<TestFile.RawBox> Boxes => TestFile.TopLevel(File);

    private static TestFile.RawBox First(string type) => Boxes.First(b => b.Type == type);

    public static TheoryData<string, int, string> Truncations => new()
    {
        { "inside ftyp header", 5, "too few for a box header" },
        { "inside ftyp", 20, "ftyp" },
        { "inside live manifest", 24 + 100, "uuid a5d40b30" },
        { "inside moov", 2278 + 10, "moov" },
        { "before moov", 2278, "before a moov" },
        { "inside moof header", 4085 + 3, "too few for a box header" },
        { "inside moof", 4085 + 300, "moof" },
        { "after moof", 4805, "not followed by an mdat" },
        { "inside mdat header", 4805 + 4, "too few for a box header" },
        { "inside mdat", 4805 + 1000, "inside the mdat" },
        { "inside last mdat", 178348 - 1, "inside the mdat" },
        { "inside mfra", 178348 + 4, "too few for a box header" },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public async Task ReadAsync_TruncatedBody_ThrowsMediaFormatException(string where, int length, string message)
    {
        // The offsets in the table are those of the capture; check them so the table cannot silently drift.
        Boxes.Select(b => b.Offset).ShouldContain(4085);
        Boxes.Select(b => b.Offset).ShouldContain(4805);
        Boxes.Select(b => b.Offset).ShouldContain(178348);

        var error = await Ingest.FailAsync(File[..length]);

        error.Message.ShouldContain(message, Case.Insensitive, where);
    }

    [Fact]
    public async Task ReadAsync_MoofSizeSmallerThanHeader_Throws()
    {
        var error = await Ingest.FailAsync(TestFile.Patch32(File, First("moof").Offset, 4));

        error.Message.ShouldContain("smaller than its 8-byte header");
        error.Message.ShouldContain("moof");
    }

    [Fact]
    public async Task ReadAsync_ChildSizeLargerThanParent_ThrowsNamingChild()
    {
        var moof = First("moof");
        var mfhd = TestFile.Child(File, moof, "mfhd");

        var error = await Ingest.FailAsync(TestFile.Patch32(File, mfhd.Offset, 5000));

        error.Message.ShouldContain("'mfhd'");
        error.Message.ShouldContain($"offset {mfhd.Offset}");
        error.Message.ShouldContain("parent 'moof'");
    }

    [Fact]
    public async Task ReadAsync_MoovSizeLargerThanBody_Throws()
    {
        var error = await Ingest.FailAsync(TestFile.Patch32(File, First("moov").Offset, 900_000));

        error.Message.ShouldContain("moov");
    }

    [Fact]
    public async Task ReadAsync_HeaderBoxOverLimit_Throws()
    {
        var error = await Ingest.FailAsync(File, new IngestLimits { MaxHeaderBoxSize = 1000 });

        error.Message.ShouldContain("over the limit of 1000");
    }

    [Fact]
    public async Task ReadAsync_FragmentOverLimit_Throws()
    {
        var error = await Ingest.FailAsync(File, new IngestLimits { MaxFragmentSize = 20_000 });

        error.Message.ShouldContain("limit");
    }

    [Fact]
    public async Task ReadAsync_TooManyTracks_Throws()
    {
        var error = await Ingest.FailAsync(File, new IngestLimits { MaxTracks = 2 });

        error.Message.ShouldContain("more than 2 tracks");
    }

    [Fact]
    public async Task ReadAsync_TooManySamples_Throws()
    {
        var error = await Ingest.FailAsync(File, new IngestLimits { MaxSamplesPerFragment = 10 });

        error.Message.ShouldContain("limit of 10 samples");
    }

    [Theory]
    [InlineData(0xFFFFFFFFFFFFFFFFUL, "impossible")]
    [InlineData(1UL << 40, "over the limit")]
    [InlineData(12UL, "smaller than its 16-byte header")]
    public async Task ReadAsync_LargeSizeLying_Throws(ulong largeSize, string message)
    {
        var box = new byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(box, 1);
        BinaryPrimitives.WriteUInt32BigEndian(box.AsSpan(4), FourCC.Free);
        BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(8), largeSize);
        var moov = First("moov");

        var inHeader = await Ingest.FailAsync(TestFile.Concat(File[..moov.Offset], box, File[moov.Offset..]));
        var inFragments = await Ingest.FailAsync(TestFile.Concat(File[..moov.End], box, File[moov.End..]));

        inHeader.Message.ShouldContain(message);
        inFragments.Message.ShouldContain(message);
    }

    [Fact]
    public async Task ReadAsync_MoofWithoutMdat_Throws()
    {
        var mdat = First("mdat");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..mdat.Offset], File[mdat.End..]));

        error.Message.ShouldContain("instead of an mdat");
    }

    [Fact]
    public async Task ReadAsync_MdatWithoutMoof_Throws()
    {
        var moof = First("moof");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..moof.Offset], File[moof.End..]));

        error.Message.ShouldContain("does not follow a moof");
    }

    [Fact]
    public async Task ReadAsync_MoofBeforeMoov_Throws()
    {
        var moov = First("moov");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..moov.Offset], File[moov.End..]));

        error.Message.ShouldContain("'moof'");
        error.Message.ShouldContain("before the moov");
    }

    [Fact]
    public async Task ReadAsync_UnknownTrackId_Throws()
    {
        var tfhd = TestFile.Child(File, TestFile.Child(File, First("moof"), "traf"), "tfhd");

        var error = await Ingest.FailAsync(TestFile.Patch32(File, tfhd.PayloadOffset + 4, 9));

        error.Message.ShouldContain("track 9");
        error.Message.ShouldContain("moov does not have");
    }

    [Fact]
    public async Task ReadAsync_TrunDataOffsetPastMdat_Throws()
    {
        var trun = TestFile.Child(File, TestFile.Child(File, First("moof"), "traf"), "trun");

        var error = await Ingest.FailAsync(TestFile.Patch32(File, trun.PayloadOffset + 8, 0x100000));

        error.Message.ShouldContain("outside the mdat payload");
    }

    [Fact]
    public async Task ReadAsync_SamplesLargerThanMdat_Throws()
    {
        var mdat = First("mdat");

        var error = await Ingest.FailAsync(TestFile.Patch32(File, mdat.Offset, (uint)mdat.Size - 100));

        error.Message.ShouldContain("outside the mdat payload");
    }

    [Fact]
    public async Task ReadAsync_SmilWithDtd_Throws()
    {
        const string Smil = """
            <?xml version="1.0"?>
            <!DOCTYPE smil [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <smil><body><switch><video systemBitrate="1"><param name="trackName" value="&b;"/></video></switch></body></smil>
            """;
        var uuid = First("uuid");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..uuid.Offset], LiveManifestBox(Smil), File[uuid.End..]));

        error.Message.ShouldContain("DTD", Case.Insensitive);
    }

    [Fact]
    public async Task ReadAsync_SmilNotXml_Throws()
    {
        var uuid = First("uuid");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..uuid.Offset], LiveManifestBox("<smil><video"), File[uuid.End..]));

        error.Message.ShouldContain("not acceptable XML");
    }

    [Fact]
    public async Task ReadAsync_SmilAnnouncesTrackMissingFromMoov_Throws()
    {
        var uuid = First("uuid");
        const string Smil = """<smil><body><switch><video systemBitrate="5"><param name="trackID" value="8"/></video></switch></body></smil>""";

        var error = await Ingest.FailAsync(TestFile.Concat(File[..uuid.Offset], LiveManifestBox(Smil), File[uuid.End..]));

        error.Message.ShouldContain("track 8");
    }

    [Fact]
    public async Task ReadAsync_MoovAfterHeader_Throws()
    {
        var moov = First("moov");

        var error = await Ingest.FailAsync(TestFile.Concat(File[..moov.End], File[moov.Offset..moov.End]));

        error.Message.ShouldContain("after the header");
    }

    [Fact]
    public async Task ReadAsync_RandomCorruption_OnlyMediaFormatException()
    {
        var random = new Random(20240501);
        var rejected = 0;
        for (var i = 0; i < 300; i++)
        {
            var body = (byte[])File.Clone();

            // Corrupt metadata only (header boxes and the first moof), where the parser has decisions to make.
            var corruptions = random.Next(1, 4);
            for (var c = 0; c < corruptions; c++)
            {
                var position = random.Next(0, 4805);
                body[position] = random.Next(3) switch
                {
                    0 => 0,
                    1 => 0xFF,
                    _ => (byte)random.Next(256),
                };
            }

            try
            {
                await Ingest.ReadWholeAsync(body).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (MediaFormatException)
            {
                rejected++;
            }
        }

        rejected.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task ReadAsync_RandomTruncation_OnlyMediaFormatException()
    {
        var random = new Random(99);
        var boundaries = Boxes.Select(b => b.Offset).Append(File.Length).ToHashSet();
        for (var i = 0; i < 100; i++)
        {
            var length = random.Next(1, File.Length);
            if (boundaries.Contains(length))
            {
                continue;
            }

            await Should.ThrowAsync<MediaFormatException>(() => Ingest.ReadWholeAsync(File[..length]));
        }
    }

    private static byte[] LiveManifestBox(string smil)
    {
        var writer = new BoxWriter();
        var start = writer.StartUuidBox(SmoothUuids.ToBoxBytes(SmoothUuids.LiveServerManifest));
        writer.WriteUInt32(0);
        writer.WriteBytes(Encoding.UTF8.GetBytes(smil));
        writer.EndBox(start);
        return writer.ToArray();
    }
}
