using System.Buffers;
using System.Collections.Immutable;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Transport;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Transport;

public sealed class TrackStreamReadCodecTests
{
    [Fact]
    public void Read_SeveralFragments_SameBatchWithIdenticalBytes()
    {
        var data = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        ImmutableArray<Sample> samples = [new(400_000, 3000, Sample.SyncFlags, 800_000), new(400_000, 2000, Sample.NonSyncFlags, -400_000)];
        var original = new TrackStreamRead([new Fragment(-213_333, samples, data), GrainHost.Fragment(586_667, 20_000_000)], 7, Bound: true, Ended: true);

        var read = new TrackStreamReadCodec().Read(Write(original));

        read.SessionEpoch.ShouldBe(7);
        read.Bound.ShouldBeTrue();
        read.Ended.ShouldBeTrue();
        read.Fragments.Length.ShouldBe(2);
        read.Fragments[0].Time.ShouldBe(-213_333);
        read.Fragments[0].Samples.ShouldBe(samples);
        read.Fragments[0].Data.ToArray().ShouldBe(data);
        read.Fragments[1].Time.ShouldBe(586_667);
        read.Fragments[1].Duration.ShouldBe(20_000_000);
    }

    [Fact]
    public void Read_Empty_Unbound()
    {
        var read = new TrackStreamReadCodec().Read(Write(new TrackStreamRead([], 3, Bound: false, Ended: false)));

        read.Fragments.ShouldBeEmpty();
        read.Bound.ShouldBeFalse();
        read.SessionEpoch.ShouldBe(3);
    }

    [Fact]
    public void Read_CutShortOrTrailingBytes_FormatException()
    {
        var message = Write(new TrackStreamRead([GrainHost.Fragment(0, 10_000_000)], 1, true, false));

        Should.Throw<FormatException>(() => new TrackStreamReadCodec().Read(message[..^1]));
        Should.Throw<FormatException>(() => new TrackStreamReadCodec().Read(message[..12]));
        Should.Throw<FormatException>(() => new TrackStreamReadCodec().Read(message.Append((byte)0).ToArray()));
    }

    private static byte[] Write(TrackStreamRead value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new TrackStreamReadCodec().Write(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
