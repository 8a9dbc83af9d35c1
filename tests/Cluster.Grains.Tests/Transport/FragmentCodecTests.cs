using System.Buffers;
using System.Collections.Immutable;
using Cluster.Grains.Transport;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Transport;

public sealed class FragmentCodecTests
{
    [Fact]
    public void Read_WhatWriteWrote_SameFragmentWithDataSentRaw()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        ImmutableArray<Sample> samples = [new(400_000, 60_000, Sample.SyncFlags, 800_000), new(400_000, 40_000, Sample.NonSyncFlags, -400_000)];
        var fragment = new Fragment(123_456_789_012, samples, data);
        var output = new ArrayBufferWriter<byte>();

        new FragmentCodec().Write(fragment, output);
        var read = new FragmentCodec().Read(output.WrittenMemory);

        // Raw bytes: the message is the data plus 12 + 16 bytes per sample, no base64.
        output.WrittenCount.ShouldBe(data.Length + 12 + (2 * 16));
        read.Time.ShouldBe(fragment.Time);
        read.Samples.ShouldBe(samples);
        read.Data.ToArray().ShouldBe(data);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(20)]
    public void Read_TruncatedOrInconsistent_ThrowsFormatException(int keep)
    {
        var output = new ArrayBufferWriter<byte>();
        new FragmentCodec().Write(new Fragment(0, [new Sample(10, 4, Sample.SyncFlags, 0)], new byte[4]), output);

        Should.Throw<FormatException>(() => new FragmentCodec().Read(output.WrittenMemory[..keep]));
    }

    [Fact]
    public void Read_SamplesLargerThanData_ThrowsFormatException()
    {
        var output = new ArrayBufferWriter<byte>();
        new FragmentCodec().Write(new Fragment(0, [new Sample(10, 4, Sample.SyncFlags, 0)], new byte[4]), output);

        Should.Throw<FormatException>(() => new FragmentCodec().Read(output.WrittenMemory[..^1]));
    }
}
