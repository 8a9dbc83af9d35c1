using System.Buffers;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Transport;
using Cluster.Media.Model;

namespace Cluster.Grains.Tests.Transport;

public sealed class CmafTrackHeaderCodecTests
{
    [Theory]
    [InlineData(TrackKind.Video)]
    [InlineData(TrackKind.Audio)]
    [InlineData(TrackKind.Text)]
    public void Read_WhatWriteWrote_SameKindBytesAndETag(TrackKind kind)
    {
        var bytes = Enumerable.Range(0, 700).Select(i => (byte)(i * 7)).ToArray();
        var original = new CmafTrackHeader(kind, bytes);

        var message = Write(original);
        var read = new CmafTrackHeaderCodec().Read(message);

        // One byte of kind, then the header raw; no base64.
        message.Length.ShouldBe(1 + bytes.Length);
        read.Kind.ShouldBe(kind);
        read.Bytes.ShouldBe(bytes);
        read.ETag.ShouldBe(original.ETag);
    }

    [Fact]
    public void Read_DifferentBytes_DifferentETag()
    {
        var first = new CmafTrackHeaderCodec().Read(Write(new CmafTrackHeader(TrackKind.Video, [1, 2, 3])));
        var second = new CmafTrackHeaderCodec().Read(Write(new CmafTrackHeader(TrackKind.Video, [1, 2, 4])));

        first.ETag.ShouldNotBe(second.ETag);
    }

    [Fact]
    public void Read_BytesOutliveTheMessage_HeaderIsACopy()
    {
        var message = Write(new CmafTrackHeader(TrackKind.Audio, [1, 2, 3]));

        var read = new CmafTrackHeaderCodec().Read(message);
        Array.Clear(message);

        read.Bytes.ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Fact]
    public void Read_Empty_ThrowsFormatException()
    {
        Should.Throw<FormatException>(() => new CmafTrackHeaderCodec().Read(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void Read_UnknownKind_ThrowsFormatException()
    {
        var message = Write(new CmafTrackHeader(TrackKind.Video, [1, 2, 3]));
        message[0] = 9;

        Should.Throw<FormatException>(() => new CmafTrackHeaderCodec().Read(message));
    }

    private static byte[] Write(CmafTrackHeader value)
    {
        var output = new ArrayBufferWriter<byte>();
        new CmafTrackHeaderCodec().Write(value, output);
        return output.WrittenSpan.ToArray();
    }
}
