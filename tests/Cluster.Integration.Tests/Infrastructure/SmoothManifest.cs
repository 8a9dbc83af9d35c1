using System.Globalization;
using System.Xml.Linq;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>A Smooth client manifest read as MS-SSTR 2.2.2 describes it (c elements expanded with their t, d and r).</summary>
public sealed class SmoothManifest
{
    private SmoothManifest(XElement root)
    {
        Root = root;
        Streams = [.. root.Elements("StreamIndex").Select(s => new Stream(s))];
    }

    public XElement Root { get; }

    public bool IsLive => string.Equals((string?)Root.Attribute("IsLive"), "TRUE", StringComparison.OrdinalIgnoreCase);

    public long Duration => long.Parse((string?)Root.Attribute("Duration") ?? "0", CultureInfo.InvariantCulture);

    public long TimeScale => long.Parse((string?)Root.Attribute("TimeScale") ?? "10000000", CultureInfo.InvariantCulture);

    public List<Stream> Streams { get; }

    public static SmoothManifest Parse(string xml) => new(XDocument.Parse(xml).Root!);

    public static async Task<SmoothManifest?> TryGetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        return response.IsSuccessStatusCode ? Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    /// <summary>
    /// Reads the manifest until it turns VOD: the encoder exiting does not mean the origin has read the end of its
    /// body yet, so the switch to VOD follows the encoder's exit by a moment.
    /// </summary>
    public static async Task<SmoothManifest> WaitForVodAsync(HttpClient http, string url, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        SmoothManifest? last = null;
        while (!deadline.IsCancellationRequested)
        {
            last = await TryGetAsync(http, url);
            if (last is { IsLive: false })
            {
                return last;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        throw new TimeoutException($"{url} was still {(last is null ? "missing" : "live")} after {timeout}.");
    }

    /// <summary>Reads the manifest until it lists a video and an audio stream with at least <paramref name="count"/> video fragments (two minutes at most).</summary>
    public static async Task<SmoothManifest> WaitForFragmentsAsync(HttpClient http, string url, int count, Func<string> diagnostics)
    {
        SmoothManifest? manifest = null;
        for (var attempt = 0; attempt < 1200 && (manifest is null || manifest.Streams.Count < 2 || manifest.Single("video").Fragments.Count < count); attempt++)
        {
            await Task.Delay(100);
            manifest = await TryGetAsync(http, url);
        }

        manifest.ShouldNotBeNull(diagnostics());
        manifest.Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(count, diagnostics());
        return manifest;
    }

    public Stream Single(string type) => Streams.Single(s => s.Type == type);

    public sealed class Stream
    {
        public Stream(XElement element)
        {
            Element = element;
            Type = (string)element.Attribute("Type")!;
            Name = (string?)element.Attribute("Name") ?? Type;
            Url = (string)element.Attribute("Url")!;
            Levels = [.. element.Elements("QualityLevel")];
            Fragments = Expand(element.Elements("c"));
        }

        public XElement Element { get; }

        public string Type { get; }

        public string Name { get; }

        public string Url { get; }

        public List<XElement> Levels { get; }

        public List<(long Time, long Duration)> Fragments { get; }

        public string FragmentUrl(XElement level, long time) =>
            Url.Replace("{bitrate}", (string)level.Attribute("Bitrate")!, StringComparison.Ordinal)
               .Replace("{Bitrate}", (string)level.Attribute("Bitrate")!, StringComparison.Ordinal)
               .Replace("{start time}", time.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
               .Replace("{start_time}", time.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        /// <summary>MS-SSTR: t defaults to the previous fragment's end; r repeats the fragment r times in all.</summary>
        private static List<(long, long)> Expand(IEnumerable<XElement> chunks)
        {
            var list = new List<(long, long)>();
            long next = 0;
            foreach (var c in chunks)
            {
                var t = c.Attribute("t") is { } ta ? long.Parse(ta.Value, CultureInfo.InvariantCulture) : next;
                var d = long.Parse(c.Attribute("d")!.Value, CultureInfo.InvariantCulture);
                var r = c.Attribute("r") is { } ra ? int.Parse(ra.Value, CultureInfo.InvariantCulture) : 1;
                for (var i = 0; i < r; i++)
                {
                    list.Add((t, d));
                    t += d;
                }

                next = t;
            }

            return list;
        }
    }
}
