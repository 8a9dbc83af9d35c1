using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothFragmentWriterTests
{
    private static readonly ImmutableArray<Sample> Samples =
    [
        new(400_000, 5, Sample.SyncFlags, 800_000),
        new(400_000, 3, Sample.NonSyncFlags, -400_000),
        new(400_000, 2, Sample.NonSyncFlags, 0),
    ];

    private static readonly Fragment Fragment = new(-213_333, Samples, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });

    [Fact]
    public void WriteHeader_WithLookahead_ReparsesToSameValues()
    {
        var writer = new BoxWriter();
        TimelineEntry[] lookahead = [new(986_667, 1_200_000), new(2_186_667, 1_200_000)];

        SmoothFragmentWriter.WriteHeader(writer, Fragment, 3, 17, lookahead);

        var header = writer.ToArray();
        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
        header.Length.ShouldBe(moofSize + 8);
        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(moofSize)).ShouldBe(8u + 10u);
        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(moofSize + 4)).ShouldBe(FourCC.Mdat);

        var moof = MovieFragmentBox.Read(header.AsSpan(0, moofSize), 0);
        moof.SequenceNumber.ShouldBe(17u);
        var traf = moof.TrackFragments.ShouldHaveSingleItem();
        traf.Header.TrackId.ShouldBe(3u);
        traf.Header.BaseDataOffset.ShouldBeNull();
        traf.Tfxd.ShouldBe(new TfxdBox(-213_333, 1_200_000));
        traf.Tfrf!.Entries.ShouldBe(lookahead);
        var run = traf.Runs.ShouldHaveSingleItem();
        run.Version.ShouldBe((byte)1);
        run.DataOffset.ShouldBe(moofSize + 8);
        run.Samples.ShouldBe(Samples);
    }

    [Fact]
    public void WriteHeader_UuidBoxes_FollowMsSstrLayout()
    {
        var writer = new BoxWriter();

        SmoothFragmentWriter.WriteHeader(writer, Fragment, 1, 1, [new TimelineEntry(5, 6)]);

        var bytes = writer.ToArray();
        var tfxdAt = bytes.AsSpan().IndexOf(SmoothUuids.ToBoxBytes(SmoothUuids.Tfxd)) - 8;
        var tfrfAt = bytes.AsSpan().IndexOf(SmoothUuids.ToBoxBytes(SmoothUuids.Tfrf)) - 8;

        // TfxdBox v1: size, 'uuid', 16-byte type, version 1 + flags 0, FragmentAbsoluteTime64, FragmentDuration64.
        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tfxdAt)).ShouldBe(44u);
        bytes[tfxdAt + 24].ShouldBe((byte)1);
        BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(tfxdAt + 28)).ShouldBe(unchecked((ulong)-213_333L));
        BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(tfxdAt + 36)).ShouldBe(1_200_000ul);

        // TfrfBox v1: ... version 1 + flags, FragmentCount (1 byte), then per fragment time64 and duration64.
        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tfrfAt)).ShouldBe(8u + 16 + 4 + 1 + 16);
        bytes[tfrfAt + 24].ShouldBe((byte)1);
        bytes[tfrfAt + 28].ShouldBe((byte)1);
        BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(tfrfAt + 29)).ShouldBe(5ul);
        BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(tfrfAt + 37)).ShouldBe(6ul);
    }

    [Fact]
    public void WriteHeader_NoLookaheadNoNegativeOffsets_NoTfrfAndTrunVersion0()
    {
        var fragment = new Fragment(0, [new Sample(10, 2, Sample.SyncFlags, 0), new Sample(10, 2, Sample.NonSyncFlags, 20)], new byte[4]);
        var writer = new BoxWriter();

        SmoothFragmentWriter.WriteHeader(writer, fragment, 1, 1, []);

        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(writer.WrittenSpan);
        var traf = MovieFragmentBox.Read(writer.WrittenSpan[..moofSize], 0).TrackFragments.Single();
        traf.Tfrf.ShouldBeNull();
        traf.Runs.Single().Version.ShouldBe((byte)0);
        traf.Runs.Single().Samples[1].CompositionTimeOffset.ShouldBe(20);
    }

    [Fact]
    public void WriteHeader_LiveEdgeWithoutLookahead_WritesEmptyTfrf()
    {
        var writer = new BoxWriter();

        SmoothFragmentWriter.WriteHeader(writer, Fragment, 1, 1, [], live: true);

        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(writer.WrittenSpan);
        var traf = MovieFragmentBox.Read(writer.WrittenSpan[..moofSize], 0).TrackFragments.Single();
        traf.Tfrf.ShouldNotBeNull().Entries.ShouldBeEmpty();

        // TfrfBox v1 with FragmentCount 0: size, 'uuid', 16-byte type, version/flags, one count byte.
        var bytes = writer.ToArray();
        var tfrfAt = bytes.AsSpan().IndexOf(SmoothUuids.ToBoxBytes(SmoothUuids.Tfrf)) - 8;
        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tfrfAt)).ShouldBe(8u + 16u + 4u + 1u);
        bytes[tfrfAt + 28].ShouldBe((byte)0);
    }

    [Fact]
    public async Task WriteHeader_FragmentsOfCapture_RoundTripThroughIngestReader()
    {
        var file = TestFile.ThreeTracks;
        var original = await Ingest.ReadWholeAsync(file);
        var moov = TestFile.TopLevel(file).Single(b => b.Type == "moov");
        var body = new List<byte>(file[..moov.End]);
        var sequence = 1u;
        foreach (var fragment in original.Fragments)
        {
            var writer = new BoxWriter();
            SmoothFragmentWriter.WriteHeader(writer, fragment.Fragment, fragment.TrackId, sequence++, []);
            body.AddRange(writer.ToArray());
            body.AddRange(fragment.Fragment.Data.ToArray());
        }

        var reread = await Ingest.ReadChunkedAsync([.. body], seed: 11);

        reread.Fragments.Count.ShouldBe(original.Fragments.Count);
        for (var i = 0; i < original.Fragments.Count; i++)
        {
            var expected = original.Fragments[i];
            var actual = reread.Fragments[i];
            actual.TrackId.ShouldBe(expected.TrackId);
            actual.SequenceNumber.ShouldBe((uint)i + 1);
            actual.Fragment.Time.ShouldBe(expected.Fragment.Time);
            actual.Fragment.Samples.ShouldBe(expected.Fragment.Samples);
            actual.Fragment.Data.ToArray().ShouldBe(expected.Fragment.Data.ToArray());
        }
    }
}
