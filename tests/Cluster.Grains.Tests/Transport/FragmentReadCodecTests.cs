using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Transport;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Transport;

public sealed class FragmentReadCodecTests
{
    private const long Second = 10_000_000;

    [Fact]
    public void Read_FoundWithLookahead_SameReadWithDataSlicedFromMessage()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        ImmutableArray<Sample> samples = [new(400_000, 60_000, Sample.SyncFlags, 800_000), new(400_000, 40_000, Sample.NonSyncFlags, -400_000)];
        var timeline = Timeline(ended: false, new Fragment(0, samples, data), GrainHost.Fragment(800_000, 2 * Second), GrainHost.Fragment(800_000 + (2 * Second), 2 * Second));
        var original = FragmentRead.From(timeline, 0);
        original.Status.ShouldBe(FragmentReadStatus.Found);

        var message = Write(original);
        var read = new FragmentReadCodec().Read(message);

        // Raw bytes: 19 header + 16 per look-ahead entry, then the fragment as FragmentCodec writes it; no base64.
        message.Length.ShouldBe(19 + (2 * 16) + 12 + (2 * 16) + data.Length);
        read.Status.ShouldBe(FragmentReadStatus.Found);
        read.SequenceNumber.ShouldBe(original.SequenceNumber);
        read.Lookahead.ShouldBe([new TimelineEntry(800_000, 2 * Second), new TimelineEntry(800_000 + (2 * Second), 2 * Second)]);
        read.LookaheadCount.ShouldBe(2);
        read.LookaheadComplete.ShouldBeTrue();
        read.Ended.ShouldBeFalse();
        read.Kind.ShouldBe(TrackKind.Video);
        read.Fragment.ShouldNotBeNull();
        read.Fragment.Time.ShouldBe(0);
        read.Fragment.Samples.ShouldBe(samples);
        read.Fragment.Data.ToArray().ShouldBe(data);
        MemoryMarshal.TryGetArray(read.Fragment.Data, out var segment).ShouldBeTrue();
        segment.Array.ShouldBeSameAs(message, "the media bytes are a slice of the message, not a copy");
    }

    [Theory]
    [InlineData(FragmentReadStatus.NotFound, false, TrackKind.Video)]
    [InlineData(FragmentReadStatus.NotFound, true, TrackKind.Audio)]
    [InlineData(FragmentReadStatus.Gone, false, TrackKind.Text)]
    [InlineData(FragmentReadStatus.Gone, true, null)]
    [InlineData(FragmentReadStatus.NotFound, false, null)]
    public void Read_WithoutFragment_SameRead(FragmentReadStatus status, bool ended, TrackKind? kind)
    {
        var original = new FragmentRead(status, null, 0, [], 2, ended, kind);

        var read = new FragmentReadCodec().Read(Write(original));

        read.Status.ShouldBe(status);
        read.Fragment.ShouldBeNull();
        read.SequenceNumber.ShouldBe(0);
        read.Lookahead.ShouldBeEmpty();
        read.LookaheadCount.ShouldBe(2);
        read.Ended.ShouldBe(ended);
        read.Kind.ShouldBe(kind);
    }

    [Fact]
    public void Read_EndedStreamsLastFragment_LookaheadCompleteWithoutEntries()
    {
        var timeline = Timeline(ended: true, GrainHost.Fragment(0, 2 * Second), GrainHost.Fragment(2 * Second, 2 * Second));
        var original = FragmentRead.From(timeline, 2 * Second);

        var read = new FragmentReadCodec().Read(Write(original));

        read.Status.ShouldBe(FragmentReadStatus.Found);
        read.SequenceNumber.ShouldBe(original.SequenceNumber);
        read.Ended.ShouldBeTrue();
        read.Lookahead.ShouldBeEmpty();
        read.LookaheadComplete.ShouldBeTrue();
        read.Fragment.ShouldNotBeNull().Time.ShouldBe(2 * Second);
    }

    [Fact]
    public void Read_GoneFromTimeline_SameRead()
    {
        var timeline = Timeline(ended: false, GrainHost.Fragment(10 * Second, 2 * Second));
        var original = FragmentRead.From(timeline, 0);
        original.Status.ShouldBe(FragmentReadStatus.Gone);

        var read = new FragmentReadCodec().Read(Write(original));

        read.Status.ShouldBe(FragmentReadStatus.Gone);
        read.Kind.ShouldBe(TrackKind.Video);
        read.Fragment.ShouldBeNull();
    }

    [Fact]
    public void Read_DefaultLookahead_ReadsEmpty()
    {
        var original = new FragmentRead(FragmentReadStatus.NotFound, null, 0, default, 0, false, null);

        var read = new FragmentReadCodec().Read(Write(original));

        read.Lookahead.IsDefault.ShouldBeFalse();
        read.Lookahead.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(18)]
    [InlineData(34)]
    [InlineData(35)]
    [InlineData(46)]
    [InlineData(62)]
    [InlineData(66)]
    public void Read_Truncated_ThrowsFormatException(int keep)
    {
        // 19 header + 1 look-ahead entry (16) + fragment header (12) + 1 sample (16) + 4 data bytes = 67.
        var message = Write(new FragmentRead(FragmentReadStatus.Found, OneSampleFragment(), 1, [new TimelineEntry(10, 10)], 1, false, TrackKind.Audio));
        message.Length.ShouldBe(67);

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message.AsMemory(0, keep)));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Read_LookaheadCountLies_ThrowsFormatException(int announced)
    {
        var message = Write(new FragmentRead(FragmentReadStatus.NotFound, null, 0, [new TimelineEntry(10, 10)], 1, false, null));
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(15), announced);

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(0, 0xff)]
    [InlineData(1, 0x80)]
    [InlineData(2, 7)]
    public void Read_UnknownStatusFlagsOrKind_ThrowsFormatException(int position, byte value)
    {
        var message = Write(new FragmentRead(FragmentReadStatus.NotFound, null, 0, [], 2, false, TrackKind.Video));
        message[position] = value;

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message));
    }

    [Fact]
    public void Read_KindByteWithoutKindFlag_ThrowsFormatException()
    {
        var message = Write(new FragmentRead(FragmentReadStatus.NotFound, null, 0, [], 2, false, null));
        message[2] = (byte)TrackKind.Audio;

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message));
    }

    [Fact]
    public void Read_TrailingBytesWithoutFragment_ThrowsFormatException()
    {
        var message = Write(new FragmentRead(FragmentReadStatus.NotFound, null, 0, [], 2, false, null));

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message.Concat(new byte[4]).ToArray()));
    }

    [Fact]
    public void Read_FragmentFlagWithoutFragment_ThrowsFormatException()
    {
        var message = Write(new FragmentRead(FragmentReadStatus.NotFound, null, 0, [], 2, false, null));
        message[1] |= 4;

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message));
    }

    [Fact]
    public void Read_FragmentSamplesLargerThanData_ThrowsFormatException()
    {
        var message = Write(new FragmentRead(FragmentReadStatus.Found, OneSampleFragment(), 1, [], 0, false, TrackKind.Video));

        Should.Throw<FormatException>(() => new FragmentReadCodec().Read(message.AsMemory(..^1)));
    }

    private static byte[] Write(FragmentRead value)
    {
        var output = new ArrayBufferWriter<byte>();
        new FragmentReadCodec().Write(value, output);
        return output.WrittenSpan.ToArray();
    }

    private static Fragment OneSampleFragment() => new(0, [new Sample(10, 4, Sample.SyncFlags, 0)], new byte[] { 1, 2, 3, 4 });

    private static TrackTimeline Timeline(bool ended, params Fragment[] fragments) =>
        new(GrainHost.Video(400_000), fragments, 0, fragments.Length, 1, 1, ended, DateTimeOffset.UnixEpoch, lookaheadCount: 2);
}
