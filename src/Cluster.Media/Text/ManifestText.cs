using System.Buffers;
using System.Globalization;
using System.Text;

namespace Cluster.Media.Text;

/// <summary>
/// UTF-8 text output for manifest writers (HLS, DASH, Smooth): numbers, decimals and dates are formatted straight into
/// the buffer with the invariant culture, so a 3,600-entry playlist costs no string per entry.
/// </summary>
internal static class ManifestText
{
    public static void Write(this IBufferWriter<byte> output, ReadOnlySpan<byte> utf8) => BuffersExtensions.Write(output, utf8);

    public static void WriteText(this IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    public static void WriteInt(this IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>Writes <paramref name="ticks"/>/<paramref name="timescale"/> seconds with exactly three decimals, rounded half up.</summary>
    public static void WriteSeconds3(this IBufferWriter<byte> output, long ticks, long timescale)
    {
        var millis = (long)((((Int128)ticks * 1000) + (timescale / 2)) / timescale);
        output.WriteInt(millis / 1000);
        var span = output.GetSpan(4);
        var fraction = (int)(millis % 1000);
        span[0] = (byte)'.';
        span[1] = (byte)('0' + (fraction / 100));
        span[2] = (byte)('0' + (fraction / 10 % 10));
        span[3] = (byte)('0' + (fraction % 10));
        output.Advance(4);
    }

    /// <summary>ISO 8601 UTC with milliseconds and Z, as both RFC 8216 (date-time) and xs:dateTime accept.</summary>
    public static void WriteDate(this IBufferWriter<byte> output, DateTimeOffset value)
    {
        var span = output.GetSpan(32);
        value.UtcDateTime.TryFormat(span, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>
    /// xs:duration from ticks of a timescale, such as <c>PT1H2M3.456S</c>: hours may exceed 24 (no days, so no month or
    /// day arithmetic is implied), seconds keep up to three decimals with trailing zeros dropped.
    /// </summary>
    public static void WriteDuration(this IBufferWriter<byte> output, long ticks, long timescale)
    {
        var millis = (long)((((Int128)ticks * 1000) + (timescale / 2)) / timescale);
        output.Write("PT"u8);
        if (millis < 0)
        {
            millis = 0;
        }

        var hours = millis / 3_600_000;
        var minutes = millis / 60_000 % 60;
        var seconds = millis / 1000 % 60;
        var fraction = (int)(millis % 1000);
        if (hours > 0)
        {
            output.WriteInt(hours);
            output.Write("H"u8);
        }

        if (minutes > 0)
        {
            output.WriteInt(minutes);
            output.Write("M"u8);
        }

        if (seconds > 0 || fraction > 0 || (hours == 0 && minutes == 0))
        {
            output.WriteInt(seconds);
            if (fraction > 0)
            {
                var digits = fraction % 100 == 0 ? 1 : fraction % 10 == 0 ? 2 : 3;
                var span = output.GetSpan(4);
                span[0] = (byte)'.';
                span[1] = (byte)('0' + (fraction / 100));
                span[2] = (byte)('0' + (fraction / 10 % 10));
                span[3] = (byte)('0' + (fraction % 10));
                output.Advance(1 + digits);
            }

            output.Write("S"u8);
        }
    }

    /// <summary>Writes text for a double-quoted XML attribute, with the one XML escaper (<see cref="Utf8XmlOutput.Escaped"/>).</summary>
    public static void WriteXmlAttribute(this IBufferWriter<byte> output, string text) => new Utf8XmlOutput(output).Escaped(text);

    /// <summary>
    /// Writes text for an HLS quoted-string (RFC 8216 4.2), which cannot hold a double quote, CR or LF: those become
    /// an apostrophe and spaces rather than breaking the playlist.
    /// </summary>
    public static void WriteQuoted(this IBufferWriter<byte> output, string text)
    {
        output.Write("\""u8);
        if (text.AsSpan().IndexOfAny('"', '\r', '\n') < 0)
        {
            output.WriteText(text);
        }
        else
        {
            output.WriteText(text.Replace('"', '\'').Replace('\r', ' ').Replace('\n', ' '));
        }

        output.Write("\""u8);
    }

    /// <summary>A URI template cut once at its placeholder, so each entry writes prefix, number, suffix.</summary>
    public static (byte[] Prefix, byte[] Suffix, bool HasPlaceholder) SplitTemplate(string template, string placeholder)
    {
        var index = template.IndexOf(placeholder, StringComparison.Ordinal);
        return index < 0
            ? (Encoding.UTF8.GetBytes(template), [], false)
            : (Encoding.UTF8.GetBytes(template[..index]), Encoding.UTF8.GetBytes(template[(index + placeholder.Length)..]), true);
    }
}
