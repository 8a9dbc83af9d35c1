using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cluster.Contracts.PublishingPoints;
using Cluster.Runtime.Transport;

namespace Cluster.Grains.Transport;

/// <summary>
/// A <see cref="ManifestDocument"/> between silos: flags, last-modified (clock ticks and offset minutes), the content
/// type and ETag as length-prefixed UTF-8, then the body raw to the end of the message. Reading keeps a slice of the
/// received message as the body.
/// </summary>
internal sealed class ManifestDocumentCodec : IGrainCallCodec<ManifestDocument>
{
    private const int HeaderSize = 11;
    private const byte LiveFlag = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Write(ManifestDocument value, IBufferWriter<byte> output)
    {
        var head = output.GetSpan(HeaderSize);
        head[0] = value.IsLive ? LiveFlag : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(head[1..], value.LastModified.Ticks);
        BinaryPrimitives.WriteInt16BigEndian(head[9..], (short)value.LastModified.TotalOffsetMinutes);
        output.Advance(HeaderSize);
        WriteString(value.ContentType, output);
        WriteString(value.ETag, output);
        output.Write(value.Body.Span);
    }

    public ManifestDocument Read(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        if (span.Length < HeaderSize)
        {
            throw new FormatException("A manifest message is shorter than its header.");
        }

        var flags = span[0];
        if ((flags & ~LiveFlag) != 0)
        {
            throw new FormatException($"A manifest message has unknown flags 0x{flags:x2}.");
        }

        DateTimeOffset lastModified;
        try
        {
            lastModified = new DateTimeOffset(BinaryPrimitives.ReadInt64BigEndian(span[1..]), TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16BigEndian(span[9..])));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"A manifest message has an invalid last-modified time: {e.Message}", e);
        }

        var at = HeaderSize;
        var contentType = ReadString(span, ref at, "content type");
        var etag = ReadString(span, ref at, "ETag");
        return new ManifestDocument(input[at..], contentType, etag, lastModified, (flags & LiveFlag) != 0);
    }

    private static void WriteString(string value, IBufferWriter<byte> output)
    {
        var length = StrictUtf8.GetByteCount(value);
        var span = output.GetSpan(sizeof(int) + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        StrictUtf8.GetBytes(value, span[sizeof(int)..]);
        output.Advance(sizeof(int) + length);
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int at, string what)
    {
        if (span.Length - at < sizeof(int))
        {
            throw new FormatException($"A manifest message ends before its {what}.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
        at += sizeof(int);
        if (length < 0 || length > span.Length - at)
        {
            throw new FormatException($"A manifest message announces a {length}-byte {what}, {span.Length - at} bytes remain.");
        }

        string value;
        try
        {
            value = StrictUtf8.GetString(span.Slice(at, length));
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"A manifest message's {what} is not UTF-8.", e);
        }

        at += length;
        return value;
    }
}
