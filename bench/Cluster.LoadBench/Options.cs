using System.Globalization;

namespace Cluster.LoadBench;

/// <summary>Command-line options: <c>--name value</c> pairs and <c>--flag</c>s.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{list[i]}'.");
            }

            var name = list[i][2..];
            if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[name] = list[++i];
            }
            else
            {
                _flags.Add(name);
            }
        }
    }

    public bool Smoke => Flag("smoke");

    public bool Flag(string name) => _flags.Contains(name);

    public string? String(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, int[] fallback) =>
        _values.TryGetValue(name, out var v) ? [.. v.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    /// <summary>The capture every tool replays: one 1 Mbit/s 640x360 track (smoke: 6 s at 320x180), made once with ffmpeg.</summary>
    public Task<Capture> CaptureAsync(TextWriter log, int fullSeconds = 60)
    {
        var seconds = Smoke ? 6 : Int("capture-seconds", fullSeconds);
        var path = String("capture") ?? Path.Combine(Path.GetTempPath(), "cluster-bench", Smoke ? $"smoke-{seconds}s.ismv" : $"capture-1mbit-{seconds}s.ismv");
        return Capture.LoadOrMakeAsync(path, seconds, Smoke ? 300 : 1000, Smoke ? "320x180" : "640x360", log);
    }
}
