using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Transport;

namespace Cluster.Grains.Tests.Transport;

public sealed class ManifestDocumentCodecTests
{
    [Fact]
    public void Read_LiveManifest_SameDocumentWithBodySlicedFromMessage()
    {
        var body = Encoding.UTF8.GetBytes("<SmoothStreamingMedia>" + new string('x', 50_000) + "</SmoothStreamingMedia>");
        var lastModified = new DateTimeOffset(2025, 3, 9, 14, 30, 15, TimeSpan.FromHours(2)).AddTicks(1234567);
        var original = new ManifestDocument(body, "text/xml", "\"v42\"", lastModified, IsLive: true);

        var message = Write(original);
        var read = new ManifestDocumentCodec().Read(message);

        // Raw bytes: 11 header + two length-prefixed strings, then the body; no base64.
        message.Length.ShouldBe(11 + 4 + "text/xml".Length + 4 + "\"v42\"".Length + body.Length);
        read.Body.ToArray().ShouldBe(body);
        MemoryMarshal.TryGetArray(read.Body, out var segment).ShouldBeTrue();
        segment.Array.ShouldBeSameAs(message, "the body is a slice of the message, not a copy");
        read.ContentType.ShouldBe("text/xml");
        read.ETag.ShouldBe("\"v42\"");
        read.LastModified.ShouldBe(lastModified);
        read.LastModified.Offset.ShouldBe(TimeSpan.FromHours(2));
        read.LastModified.Ticks.ShouldBe(lastModified.Ticks);
        read.IsLive.ShouldBeTrue();
    }

    [Fact]
    public void Read_VodPlaylistWithUnicodeContentType_SameDocument()
    {
        var original = new ManifestDocument(
            Encoding.UTF8.GetBytes("#EXTM3U\n#EXT-X-ENDLIST\n"),
            "application/vnd.apple.mpegurl; name=\"é✓\"",
            "W/\"ü\"",
            new DateTimeOffset(2024, 12, 31, 23, 59, 59, TimeSpan.FromMinutes(-210)),
            IsLive: false);

        var read = new ManifestDocumentCodec().Read(Write(original));

        read.Body.ToArray().ShouldBe(original.Body.ToArray());
        read.ContentType.ShouldBe(original.ContentType);
        read.ETag.ShouldBe(original.ETag);
        read.LastModified.ShouldBe(original.LastModified);
        read.LastModified.Offset.ShouldBe(TimeSpan.FromMinutes(-210));
        read.IsLive.ShouldBeFalse();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_EmptyBodyAndExtremeDates_SameDocument(bool minimum)
    {
        var lastModified = minimum ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue;
        var original = new ManifestDocument(ReadOnlyMemory<byte>.Empty, "", "", lastModified, IsLive: minimum);

        var read = new ManifestDocumentCodec().Read(Write(original));

        read.Body.IsEmpty.ShouldBeTrue();
        read.ContentType.ShouldBeEmpty();
        read.ETag.ShouldBeEmpty();
        read.LastModified.ShouldBe(lastModified);
        read.IsLive.ShouldBe(minimum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(13)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(26)]
    public void Read_TruncatedBeforeBody_ThrowsFormatException(int keep)
    {
        // 11 header + 4 + "text/xml" (8) + 4 + "\"e\"" (3) = 30 bytes before the body.
        var message = Write(new ManifestDocument(new byte[] { 1, 2, 3 }, "text/xml", "\"e\"", DateTimeOffset.UnixEpoch, true));

        Should.Throw<FormatException>(() => new ManifestDocumentCodec().Read(message.AsMemory(0, keep)));
    }

    [Theory]
    [InlineData(11, int.MaxValue)]
    [InlineData(11, -1)]
    [InlineData(11, 1000)]
    [InlineData(23, 1000)]
    [InlineData(23, -5)]
    public void Read_StringLengthLies_ThrowsFormatException(int position, int announced)
    {
        var message = Write(new ManifestDocument(new byte[] { 1, 2, 3 }, "text/xml", "\"e\"", DateTimeOffset.UnixEpoch, true));
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(position), announced);

        Should.Throw<FormatException>(() => new ManifestDocumentCodec().Read(message));
    }

    [Fact]
    public void Read_UnknownFlags_ThrowsFormatException()
    {
        var message = Write(new ManifestDocument(new byte[] { 1 }, "text/xml", "\"e\"", DateTimeOffset.UnixEpoch, true));
        message[0] = 0x81;

        Should.Throw<FormatException>(() => new ManifestDocumentCodec().Read(message));
    }

    [Theory]
    [InlineData(0L, 15 * 60)]
    [InlineData(0L, 60)]
    [InlineData(long.MaxValue, 0)]
    [InlineData(-1L, 0)]
    public void Read_ImpossibleLastModified_ThrowsFormatException(long ticks, int offsetMinutes)
    {
        var message = Write(new ManifestDocument(new byte[] { 1 }, "text/xml", "\"e\"", DateTimeOffset.UnixEpoch, true));
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(1), ticks);
        BinaryPrimitives.WriteInt16BigEndian(message.AsSpan(9), (short)offsetMinutes);

        Should.Throw<FormatException>(() => new ManifestDocumentCodec().Read(message));
    }

    [Fact]
    public void Read_ETagNotUtf8_ThrowsFormatException()
    {
        var message = Write(new ManifestDocument(new byte[] { 1 }, "text/xml", "\"e\"", DateTimeOffset.UnixEpoch, true));
        message[27] = 0xff;

        Should.Throw<FormatException>(() => new ManifestDocumentCodec().Read(message));
    }

    private static byte[] Write(ManifestDocument value)
    {
        var output = new ArrayBufferWriter<byte>();
        new ManifestDocumentCodec().Write(value, output);
        return output.WrittenSpan.ToArray();
    }
}
