using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Tests.Archive;

/// <summary>
/// A real ffmpeg 5.1 Smooth push (two H.264 levels of one stream and AAC audio, 2-second fragments, 24 seconds),
/// captured once per test run and read back with <see cref="SmoothIngestReader"/>, as ingest reads it.
/// </summary>
internal sealed record ArchiveCapture(IReadOnlyList<TrackInfo> Tracks, IReadOnlyList<IReadOnlyList<Fragment>> Fragments)
{
    public const int Seconds = 24;

    private static readonly Lazy<Task<ArchiveCapture>> Capture = new(CaptureAsync);

    public static Task<ArchiveCapture> GetAsync() => Capture.Value;

    /// <summary>The first <paramref name="count"/> fragments of every track.</summary>
    public IReadOnlyList<IReadOnlyList<Fragment>> Take(int count) => [.. Fragments.Select(f => (IReadOnlyList<Fragment>)[.. f.Take(count)])];

    private static async Task<ArchiveCapture> CaptureAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"archive-capture-{Guid.NewGuid():N}.ismv");
        try
        {
            await Tools.RunAsync(
                "ffmpeg",
                "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-map", "0:v", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50",
                "-sc_threshold", "0", "-b:v:0", "200k", "-b:v:1", "100k", "-s:v:1", "128x72", "-c:a", "aac", "-b:a", "64k",
                "-f", "ismv", "-movflags", "isml+frag_keyframe", path);
            await using var file = File.OpenRead(path);
            var reader = new SmoothIngestReader(PipeReader.Create(file), IngestLimits.Default);
            var header = await reader.ReadHeaderAsync(CancellationToken.None);
            var fragments = header.Tracks.ToDictionary(t => t.TrackId, _ => new List<Fragment>());
            while (await reader.ReadFragmentAsync(CancellationToken.None) is { } fragment)
            {
                fragments[fragment.TrackId].Add(fragment.Fragment);
            }

            return new ArchiveCapture(header.Tracks, [.. header.Tracks.Select(t => fragments[t.TrackId])]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>ffprobe, and a box walker written for the tests alone, so expectations come from the files' bytes.</summary>
internal static class Tools
{
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"{program} failed: {await stderr}");
        return await stdout;
    }

    /// <summary>ffprobe's format and streams of a file.</summary>
    public static async Task<JsonElement> ProbeAsync(string path)
    {
        var json = await RunAsync("ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", path);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Top-level boxes of a file: type, offset, size.</summary>
    public static List<(string Type, int Offset, int Size)> Boxes(byte[] file, int start = 0, int end = -1)
    {
        end = end < 0 ? file.Length : end;
        var boxes = new List<(string, int, int)>();
        for (var position = start; position + 8 <= end;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(position));
            boxes.Add((Encoding.ASCII.GetString(file, position + 4, 4), position, size));
            if (size < 8)
            {
                break;
            }

            position += size;
        }

        return boxes;
    }

    /// <summary>
    /// The tfra entries (time, moof offset) of a file's mfra, per ISO/IEC 14496-12 8.8.10, and the size its mfro
    /// announces (8.8.11).
    /// </summary>
    public static (uint TrackId, List<(long Time, long MoofOffset)> Entries, uint MfroSize, int MfraSize) ReadMfra(byte[] file)
    {
        var mfra = Boxes(file).Single(b => b.Type == "mfra");
        var children = Boxes(file, mfra.Offset + 8, mfra.Offset + mfra.Size);
        var tfra = children.Single(b => b.Type == "tfra");
        var mfro = children.Single(b => b.Type == "mfro");
        var p = tfra.Offset + 8;
        var version = file[p];
        var trackId = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(p + 4));
        var sizes = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(p + 8));
        var trafBytes = (int)((sizes >> 4) & 3) + 1;
        var trunBytes = (int)((sizes >> 2) & 3) + 1;
        var sampleBytes = (int)(sizes & 3) + 1;
        var count = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(p + 12));
        p += 16;
        var entries = new List<(long, long)>();
        for (var i = 0; i < count; i++)
        {
            long time, offset;
            if (version == 1)
            {
                time = (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(p));
                offset = (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(p + 8));
                p += 16;
            }
            else
            {
                time = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(p));
                offset = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(p + 4));
                p += 8;
            }

            p += trafBytes + trunBytes + sampleBytes;
            entries.Add((time, offset));
        }

        p.ShouldBe(tfra.Offset + tfra.Size, "the tfra's entries fill it exactly");
        return (trackId, entries, BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mfro.Offset + 12)), mfra.Size);
    }
}
