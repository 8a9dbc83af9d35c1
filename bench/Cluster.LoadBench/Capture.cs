using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.LoadBench;

/// <summary>One captured moof+mdat pair, byte for byte, with the times its tfxd announced.</summary>
/// <param name="Bytes">The moof and mdat exactly as ffmpeg wrote them.</param>
/// <param name="Time">Start time in the track's timescale.</param>
/// <param name="Duration">Duration in the track's timescale.</param>
/// <param name="PayloadBytes">Media bytes the origin keeps for it (the mdat payload).</param>
public sealed record CapturedFragment(ReadOnlyMemory<byte> Bytes, long Time, long Duration, int PayloadBytes);

/// <summary>
/// A single-track Smooth push body captured from ffmpeg: the header (ftyp, live manifest, moov), the fragments, and the
/// tail (mfra). Replaying it sends exactly what ffmpeg would have pushed.
/// </summary>
public sealed class Capture
{
    private Capture(ReadOnlyMemory<byte> header, IReadOnlyList<CapturedFragment> fragments, ReadOnlyMemory<byte> tail, TrackInfo track)
    {
        Header = header;
        Fragments = fragments;
        Tail = tail;
        Track = track;
    }

    public ReadOnlyMemory<byte> Header { get; }

    public IReadOnlyList<CapturedFragment> Fragments { get; }

    public ReadOnlyMemory<byte> Tail { get; }

    public TrackInfo Track { get; }

    /// <summary>Seconds of media.</summary>
    public double Seconds => Fragments.Count == 0 ? 0 : (double)(Fragments[^1].Time + Fragments[^1].Duration - Fragments[0].Time) / Track.Timescale;

    /// <summary>Sum of the fragments' media bytes.</summary>
    public long PayloadBytes => Fragments.Sum(f => (long)f.PayloadBytes);

    /// <summary>Relative URL of a fragment, as a Smooth player asks for it.</summary>
    public string FragmentUrl(string pointPath, CapturedFragment fragment, bool cmaf = false) =>
        $"{pointPath}.isml/QualityLevels({Track.Bitrate})/Fragments({Track.Name}={fragment.Time}{(cmaf ? ",format=mpd-time-cmaf" : "")})";

    /// <summary>The capture at <paramref name="path"/>, or a new one made with ffmpeg when the file does not exist.</summary>
    public static async Task<Capture> LoadOrMakeAsync(string path, int seconds, int kbps, string size, TextWriter log)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".part";
            log.WriteLine($"// making the capture {path}: {seconds} s of {size} H.264 at {kbps} kbit/s, 2-second fragments (ffmpeg)");
            var arguments =
                $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size={size}:rate=25 -t {seconds} " +
                $"-c:v libx264 -preset veryfast -b:v {kbps}k -maxrate {kbps}k -bufsize {kbps * 2}k -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p " +
                $"-f ismv -movflags isml+frag_keyframe {temp}";
            using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true })
                ?? throw new InvalidOperationException("ffmpeg did not start.");
            var errors = await ffmpeg.StandardError.ReadToEndAsync();
            await ffmpeg.WaitForExitAsync();
            if (ffmpeg.ExitCode != 0)
            {
                throw new InvalidOperationException($"ffmpeg failed ({ffmpeg.ExitCode}): {errors}");
            }

            File.Move(temp, path, overwrite: true);
        }

        return await ParseAsync(await File.ReadAllBytesAsync(path));
    }

    /// <summary>Splits a capture into header, moof+mdat pairs and tail; takes times from the origin's own ingest reader.</summary>
    public static async Task<Capture> ParseAsync(byte[] bytes)
    {
        var reader = new SmoothIngestReader(PipeReader.Create(new MemoryStream(bytes, writable: false)), IngestLimits.Default);
        var header = await reader.ReadHeaderAsync(CancellationToken.None);
        if (header.Tracks.Length != 1)
        {
            throw new InvalidOperationException($"The capture has {header.Tracks.Length} tracks; the tools replay single-track captures.");
        }

        var parsed = new List<Fragment>();
        while (await reader.ReadFragmentAsync(CancellationToken.None) is { } fragment)
        {
            parsed.Add(fragment.Fragment);
        }

        var boxes = TopLevelBoxes(bytes);
        var firstMoof = boxes.FindIndex(b => b.Type == "moof");
        if (firstMoof < 0)
        {
            throw new InvalidOperationException("The capture has no moof.");
        }

        var fragments = new List<CapturedFragment>();
        var end = boxes[firstMoof].Offset;
        for (var i = firstMoof; i + 1 < boxes.Count && boxes[i].Type == "moof" && boxes[i + 1].Type == "mdat"; i += 2)
        {
            var f = parsed[fragments.Count];
            end = boxes[i + 1].Offset + boxes[i + 1].Size;
            fragments.Add(new CapturedFragment(bytes.AsMemory((int)boxes[i].Offset, (int)(end - boxes[i].Offset)), f.Time, f.Duration, f.Data.Length));
        }

        if (fragments.Count != parsed.Count)
        {
            throw new InvalidOperationException($"The capture has {fragments.Count} moof/mdat pairs but the reader found {parsed.Count} fragments.");
        }

        return new Capture(bytes.AsMemory(0, (int)boxes[firstMoof].Offset), fragments, bytes.AsMemory((int)end), header.Tracks[0]);
    }

    private static List<(long Offset, long Size, string Type)> TopLevelBoxes(byte[] bytes)
    {
        var boxes = new List<(long, long, string)>();
        long offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset));
            var type = Encoding.ASCII.GetString(bytes, (int)offset + 4, 4);
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan((int)offset + 8));
            }
            else if (size == 0)
            {
                size = bytes.Length - offset;
            }

            if (size < 8 || offset + size > bytes.Length)
            {
                throw new InvalidOperationException($"Box '{type}' at {offset} has a bad size {size}.");
            }

            boxes.Add((offset, size, type));
            offset += size;
        }

        return boxes;
    }
}
