using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothFragmentReaderTests
{
    private static readonly ImmutableArray<Sample> Samples =
    [
        new(400_000, 5, Sample.SyncFlags, 800_000),
        new(400_000, 3, Sample.NonSyncFlags, -400_000),
        new(400_000, 2, Sample.NonSyncFlags, 0),
    ];

    private static readonly Fragment Fragment = new(40_000_000, Samples, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });

    [Fact]
    public async Task Read_ResponsesForEveryFragmentOfCapture_GiveTheSameFragments()
    {
        var capture = await Ingest.ReadWholeAsync(TestFile.ThreeTracks);
        var sequence = 1u;
        foreach (var item in capture.Fragments)
        {
            var response = Response(item.Fragment, [new TimelineEntry(item.Fragment.End, 20_000_000)], sequence++);

            var read = SmoothFragmentReader.Read(response, item.Fragment.Time);

            read.DeclaredTime.ShouldBe(item.Fragment.Time);
            read.DeclaredDuration.ShouldBe(item.Fragment.Duration);
            var fragment = read.Fragment.ShouldNotBeNull();
            fragment.Time.ShouldBe(item.Fragment.Time);
            fragment.Duration.ShouldBe(item.Fragment.Duration);
            fragment.Samples.ShouldBe(item.Fragment.Samples);
            fragment.Data.ToArray().ShouldBe(item.Fragment.Data.ToArray());
        }
    }

    [Fact]
    public void Read_TfxdTimeOtherThanTheManifests_ReportsItsOwn()
    {
        var read = SmoothFragmentReader.Read(Response(Fragment), manifestTime: 20_000_000);

        read.DeclaredTime.ShouldBe(40_000_000);
        read.Fragment!.Time.ShouldBe(40_000_000);
    }

    [Fact]
    public void Read_NoTfxdNorTfdt_TakesTheManifestsTime()
    {
        // A moof of mfhd and traf(tfhd, trun) alone, as a minimal origin might answer.
        var writer = new BoxWriter();
        var moof = writer.StartBox(FourCC.Moof);
        var mfhd = writer.StartFullBox(FourCC.Mfhd, 0, 0);
        writer.WriteUInt32(1);
        writer.EndBox(mfhd);
        var traf = writer.StartBox(FourCC.Traf);
        var tfhd = writer.StartFullBox(FourCC.Tfhd, 0, 0);
        writer.WriteUInt32(1);
        writer.EndBox(tfhd);
        var dataOffset = TrackRunWriter.Write(writer, Samples.AsSpan());
        writer.EndBox(traf);
        TrackRunWriter.EndFragment(writer, moof, dataOffset, Fragment.Data.Length);
        var response = Concat(writer.ToArray(), Fragment.Data.ToArray());

        var read = SmoothFragmentReader.Read(response, manifestTime: 123_456);

        read.DeclaredTime.ShouldBeNull();
        read.DeclaredDuration.ShouldBeNull();
        read.Fragment!.Time.ShouldBe(123_456);
        read.Fragment.Samples.ShouldBe(Samples);
    }

    [Fact]
    public void Read_AllBeforeZero_NoFragment()
    {
        var priming = new Fragment(-2_000_000, [new Sample(1_000_000, 4, Sample.SyncFlags, 0)], new byte[4]);

        var read = SmoothFragmentReader.Read(Response(priming), -2_000_000);

        read.DeclaredTime.ShouldBe(-2_000_000);
        read.Fragment.ShouldBeNull();
    }

    [Fact]
    public void Read_MdatToEndOfResponse_Accepted()
    {
        var response = Response(Fragment);
        var mdatAt = response.Length - Fragment.Data.Length - 8;
        BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(mdatAt), 0);

        SmoothFragmentReader.Read(response, Fragment.Time).Fragment!.Data.ToArray().ShouldBe(Fragment.Data.ToArray());
    }

    public static TheoryData<string> Garbage => ["html", "empty", "truncated", "mdat only", "no mdat", "short mdat", "two moofs", "lying size"];

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Read_Garbage_Throws(string kind)
    {
        var good = Response(Fragment);
        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(good);
        var body = kind switch
        {
            "html" => "<html><body>502 Bad Gateway</body></html>"u8.ToArray(),
            "empty" => [],
            "truncated" => good[..(good.Length / 2)],
            "mdat only" => good[moofSize..],
            "no mdat" => good[..moofSize],
            "short mdat" => Shorten(good),
            "two moofs" => Concat(good[..moofSize], good),
            "lying size" => TestFile.Patch32(good, 0, 1_000_000),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        Should.Throw<MediaFormatException>(() => SmoothFragmentReader.Read(body, Fragment.Time)).Message.ShouldNotBeNullOrWhiteSpace();
    }

    /// <summary>The response with its mdat (and so the data) three bytes short, sizes kept consistent.</summary>
    private static byte[] Shorten(byte[] response)
    {
        var shorter = response[..^3];
        var mdatAt = shorter.Length - (Fragment.Data.Length - 3) - 8;
        BinaryPrimitives.WriteUInt32BigEndian(shorter.AsSpan(mdatAt), (uint)(shorter.Length - mdatAt));
        return shorter;
    }

    private static byte[] Response(Fragment fragment, TimelineEntry[]? lookahead = null, uint sequence = 1)
    {
        var writer = new BoxWriter();
        SmoothFragmentWriter.WriteHeader(writer, fragment, 1, sequence, lookahead ?? [], live: lookahead is not null);
        return Concat(writer.ToArray(), fragment.Data.ToArray());
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];
}
