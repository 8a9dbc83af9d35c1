using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>
/// IIS Live Smooth Streaming's publishing point definition file, <c>{name}.isml</c>: a SMIL document whose
/// <c>head</c> holds <c>&lt;meta name=".." content=".."/&gt;</c> settings. Read so an IIS operator's files work as they
/// are, written so a point can be exported as one. The settings this origin has are mapped; the rest are reported
/// back as ignored. <c>archivePath</c> is among those: a file does not choose where the server writes.
/// </summary>
public static class IisPublishingPointDefinition
{
    /// <summary>The definition file's extension.</summary>
    public const string Extension = ".isml";

    /// <summary>Largest definition file read (IIS's are a few hundred bytes).</summary>
    public const int MaxLength = 64 * 1024;

    private static readonly XNamespace Smil = "http://www.w3.org/2001/SMIL20/Language";

    /// <summary>
    /// Reads a definition over <paramref name="defaults"/>; <paramref name="ignored"/> lists the meta names not mapped.
    /// <see cref="FormatException"/> (with the reason) for a document that is not one or a value that is not valid.
    /// </summary>
    public static PublishingPointSettings Read(string xml, PublishingPointSettings defaults, out IReadOnlyList<string> ignored)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(defaults);
        var settings = defaults;
        var skipped = new List<string>();
        // "publishing" first: it decides whether archiveSegmentLength, wherever it stands, has an archive to shape.
        foreach (var (name, content) in Metas(xml).OrderBy(m => m.Name != "publishing"))
        {
            switch (name)
            {
                case "manifestWindowLength":
                    settings = settings with { DvrWindowLength = TimeSpan.FromSeconds(Seconds(name, content)) };
                    break;
                case "lookaheadChunks":
                    settings = settings with { LookaheadCount = (int)Math.Min(Seconds(name, content), int.MaxValue) };
                    break;
                case "restartOnEncoderReconnect":
                    settings = settings with { RestartOnEncoderReconnect = Flag(name, content) };
                    break;
                case "publishing":
                    var archive = content.Split([';', ','], StringSplitOptions.TrimEntries).Contains("Archives", StringComparer.OrdinalIgnoreCase);
                    settings = settings with { Archive = archive ? (settings.Archive ?? new ArchiveSettings()) with { Enabled = true } : null };
                    break;
                case "archiveSegmentLength":
                    var length = TimeSpan.FromSeconds(Seconds(name, content));
                    settings = settings.Archive is { } current ? settings with { Archive = current with { SegmentLength = length } } : settings;
                    break;
                default:
                    skipped.Add(name);
                    break;
            }
        }

        ignored = skipped;
        return settings.Validate() is { } reason ? throw new FormatException(reason) : settings;
    }

    /// <summary>The point's settings as a definition file IIS would read.</summary>
    public static string Write(PublishingPointSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var archive = settings.Archive is { Enabled: true };
        var head = new XElement(
            Smil + "head",
            Meta("module", "liveSmoothStreaming"),
            Meta("sourceType", "Push"),
            Meta("publishing", archive ? "Fragments;Streams;Archives" : "Fragments;Streams"),
            Meta("lookaheadChunks", settings.LookaheadCount.ToString(CultureInfo.InvariantCulture)),
            Meta("manifestWindowLength", ((long)settings.DvrWindowLength.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            Meta("restartOnEncoderReconnect", settings.RestartOnEncoderReconnect ? "true" : "false"),
            Meta("archiveSegmentLength", ((long)(settings.Archive?.SegmentLength ?? TimeSpan.Zero).TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement(Smil + "smil", head, new XElement(Smil + "body")));
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            document.Save(writer);
        }

        return text.ToString();
    }

    private static XElement Meta(string name, string content) => new(Smil + "meta", new XAttribute("name", name), new XAttribute("content", content));

    /// <summary>The head's meta elements, with or without the SMIL namespace (hand-edited files often drop it).</summary>
    private static IEnumerable<(string Name, string Content)> Metas(string xml)
    {
        if (xml.Length > MaxLength)
        {
            throw new FormatException($"A publishing point definition is at most {MaxLength} characters.");
        }

        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FormatException($"Not an XML document: {e.Message}");
        }

        if (document.Root is not { Name.LocalName: "smil" } root)
        {
            throw new FormatException("Not a publishing point definition: the root element is not smil.");
        }

        return root.Elements().Where(e => e.Name.LocalName == "head").Elements().Where(e => e.Name.LocalName == "meta")
            .Select(e => ((string?)e.Attribute("name") ?? "", (string?)e.Attribute("content") ?? ""))
            .Where(m => m.Item1.Length > 0)
            .ToList();
    }

    private static long Seconds(string name, string content) =>
        long.TryParse(content.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= int.MaxValue
            ? value
            : throw new FormatException($"{name} must be a whole number (was '{content}').");

    private static bool Flag(string name, string content) =>
        bool.TryParse(content.Trim(), out var value) ? value : throw new FormatException($"{name} must be true or false (was '{content}').");
}
