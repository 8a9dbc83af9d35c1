using System.Buffers;
using System.Globalization;
using System.Text;

namespace Cluster.Media.Text;

/// <summary>
/// Minimal UTF-8 XML writing straight into an <see cref="IBufferWriter{T}"/>: manifests are rewritten on every request
/// of a live stream, so this avoids XmlWriter's stream and string layers. Attribute values are escaped here.
/// </summary>
internal readonly struct Utf8XmlOutput(IBufferWriter<byte> output)
{
    public void Raw(ReadOnlySpan<byte> utf8) => output.Write(utf8);

    public void Attribute(ReadOnlySpan<byte> name, long value)
    {
        Start(name);
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
        Raw("\""u8);
    }

    public void Attribute(ReadOnlySpan<byte> name, string value)
    {
        Start(name);
        Escaped(value);
        Raw("\""u8);
    }

    /// <summary>Writes text with XML attribute escaping; characters XML 1.0 cannot carry are dropped.</summary>
    public void Escaped(ReadOnlySpan<char> text)
    {
        var clean = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is not ('&' or '<' or '>' or '"' or '\'' or < ' ' or '\uFFFE' or '\uFFFF'))
            {
                continue;
            }

            Plain(text[clean..i]);
            Raw(c switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '"' => "&quot;"u8,
                '\'' => "&apos;"u8,
                '\t' => "&#x9;"u8,
                '\n' => "&#xA;"u8,
                '\r' => "&#xD;"u8,
                _ => ""u8,
            });
            clean = i + 1;
        }

        Plain(text[clean..]);
    }

    private void Start(ReadOnlySpan<byte> name)
    {
        Raw(" "u8);
        Raw(name);
        Raw("=\""u8);
    }

    private void Plain(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
