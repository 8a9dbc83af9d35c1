using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// One real ffmpeg Smooth push (<c>-f ismv -movflags isml+frag_keyframe</c>) captured to a file once per test run: the
/// very bytes an encoder POSTs (ffmpeg writes the same bytes to a file as to a pipe or an HTTP upload), read with the
/// tests' own box walker so expectations come from the file rather than from the origin.
/// </summary>
public sealed class CapturedSmoothStream
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<CapturedSmoothStream>>> Captures = new();

    private CapturedSmoothStream(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
        var top = Boxes.Children(bytes, 0, bytes.Length);
        top.Take(3).Select(b => b.Type).ShouldBe(["ftyp", "uuid", "moov"], path);
        var last = top[^1];
        (last.Type, last.Size).ShouldBe(("mfra", 8), "an ISML push ends with an empty mfra");
        Header = bytes.AsMemory(0, top[2].Offset + top[2].Size);
        End = bytes.AsMemory(last.Offset, last.Size);
        Tracks = ReadTracks(bytes, top[2]);

        var fragments = new List<CapturedFragment>();
        for (var i = 3; i < top.Count - 1; i += 2)
        {
            top[i].Type.ShouldBe("moof", $"box {i} at {top[i].Offset}");
            top[i + 1].Type.ShouldBe("mdat", $"box {i + 1} at {top[i + 1].Offset}");
            fragments.Add(ReadFragment(bytes, fragments.Count, top[i], top[i + 1], Tracks));
        }

        Fragments = fragments;
    }

    /// <summary>Where the capture was written.</summary>
    public string Path { get; }

    public byte[] Bytes { get; }

    /// <summary>ftyp, the live server manifest uuid box and moov: what an encoder sends before its first fragment.</summary>
    public ReadOnlyMemory<byte> Header { get; }

    /// <summary>The moof+mdat pairs in the order ffmpeg wrote them (tracks interleaved).</summary>
    public IReadOnlyList<CapturedFragment> Fragments { get; }

    /// <summary>The empty mfra that ends an ISML push.</summary>
    public ReadOnlyMemory<byte> End { get; }

    /// <summary>Each track of the moov by track id.</summary>
    public IReadOnlyDictionary<uint, CapturedTrack> Tracks { get; }

    /// <summary>The fragments of one Smooth stream type ("video" or "audio"), in time order.</summary>
    public List<CapturedFragment> FragmentsOf(string type) => [.. Fragments.Where(f => f.Track.Type == type).OrderBy(f => f.Time)];

    /// <summary>
    /// Runs ffmpeg once per <paramref name="name"/> and test run, writing <c>{name}.ismv</c> next to the tests, and
    /// parses the result. <paramref name="inputAndCodecArguments"/> are ffmpeg's inputs and codec settings; the ISML
    /// output options are added here.
    /// </summary>
    public static Task<CapturedSmoothStream> CaptureAsync(string name, string inputAndCodecArguments) =>
        Captures.GetOrAdd(name, _ => new Lazy<Task<CapturedSmoothStream>>(() => RunAsync(name, inputAndCodecArguments))).Value;

    private static async Task<CapturedSmoothStream> RunAsync(string name, string arguments)
    {
        var folder = System.IO.Path.Combine(AppContext.BaseDirectory, "captures");
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, name + ".ismv");

        // Written under a private name first: another test run may be reading the previous capture.
        var temporary = System.IO.Path.Combine(folder, $"{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.ismv");
        await using (var ffmpeg = Ffmpeg.Start($"-y {arguments} -f ismv -movflags isml+frag_keyframe \"{temporary}\""))
        {
            (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(120))).ShouldBe(0, ffmpeg.Log);
        }

        File.Move(temporary, path, overwrite: true);
        return new CapturedSmoothStream(path, await File.ReadAllBytesAsync(path));
    }

    private static Dictionary<uint, CapturedTrack> ReadTracks(byte[] data, Boxes.Box moov)
    {
        var tracks = new Dictionary<uint, CapturedTrack>();
        foreach (var trak in Boxes.Children(data, moov.PayloadOffset, moov.Offset + moov.Size).Where(b => b.Type == "trak"))
        {
            var trakChildren = Boxes.Children(data, trak.PayloadOffset, trak.Offset + trak.Size);
            var tkhd = Boxes.Single(trakChildren, "tkhd");
            var tkhdVersion = data[tkhd.PayloadOffset];
            var trackId = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(tkhd.PayloadOffset + (tkhdVersion == 1 ? 20 : 12)));

            var mdia = Boxes.Single(trakChildren, "mdia");
            var mdiaChildren = Boxes.Children(data, mdia.PayloadOffset, mdia.Offset + mdia.Size);
            var mdhd = Boxes.Single(mdiaChildren, "mdhd");
            var mdhdVersion = data[mdhd.PayloadOffset];
            var timescale = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(mdhd.PayloadOffset + (mdhdVersion == 1 ? 20 : 12)));
            var hdlr = Boxes.Single(mdiaChildren, "hdlr");
            var handler = System.Text.Encoding.ASCII.GetString(data, hdlr.PayloadOffset + 8, 4);
            var type = handler switch
            {
                "vide" => "video",
                "soun" => "audio",
                _ => handler,
            };
            tracks.Add(trackId, new CapturedTrack(trackId, type, timescale));
        }

        return tracks;
    }

    private static CapturedFragment ReadFragment(byte[] data, int index, Boxes.Box moof, Boxes.Box mdat, IReadOnlyDictionary<uint, CapturedTrack> tracks)
    {
        var where = $"moof at {moof.Offset}";
        var traf = Boxes.Single(Boxes.Children(data, moof.PayloadOffset, moof.Offset + moof.Size), "traf");
        var children = Boxes.Children(data, traf.PayloadOffset, traf.Offset + traf.Size);

        // tfhd: track id and, when flagged, the default sample duration and size.
        var tfhd = Boxes.Single(children, "tfhd").PayloadOffset;
        var tfhdFlags = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(tfhd)) & 0xFFFFFF;
        var trackId = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(tfhd + 4));
        var at = tfhd + 8;
        at += (tfhdFlags & 0x1) != 0 ? 8 : 0; // base data offset
        at += (tfhdFlags & 0x2) != 0 ? 4 : 0; // sample description index
        uint? defaultDuration = null;
        uint? defaultSize = null;
        if ((tfhdFlags & 0x8) != 0)
        {
            defaultDuration = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            at += 4;
        }

        if ((tfhdFlags & 0x10) != 0)
        {
            defaultSize = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        }

        // tfxd (MS-SSTR 2.2.4.4): the fragment's absolute time and duration. ffmpeg writes AAC priming as a negative
        // time in the unsigned field, so it is read as signed.
        var tfxd = children.Single(b => b.Uuid == Boxes.TfxdUuid).PayloadOffset;
        var version = data[tfxd];
        var time = version == 1 ? BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(tfxd + 4)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(tfxd + 4));
        var duration = version == 1 ? BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(tfxd + 12)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(tfxd + 8));

        // trun: the samples, which the tests expect to fill the mdat payload from its first byte.
        var trun = Boxes.Single(children, "trun").PayloadOffset;
        var trunFlags = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(trun)) & 0xFFFFFF;
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(trun + 4));
        at = trun + 8;
        if ((trunFlags & 0x1) != 0)
        {
            (moof.Offset + BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at))).ShouldBe(mdat.PayloadOffset, where + ": trun data offset");
            at += 4;
        }

        at += (trunFlags & 0x4) != 0 ? 4 : 0; // first sample flags
        var samples = new List<(long Duration, int Size)>(count);
        for (var i = 0; i < count; i++)
        {
            long sampleDuration = (trunFlags & 0x100) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at)) : defaultDuration ?? throw new InvalidDataException(where + ": no sample duration");
            at += (trunFlags & 0x100) != 0 ? 4 : 0;
            var sampleSize = (int)((trunFlags & 0x200) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at)) : defaultSize ?? throw new InvalidDataException(where + ": no sample size"));
            at += (trunFlags & 0x200) != 0 ? 4 : 0;
            at += ((trunFlags & 0x400) != 0 ? 4 : 0) + ((trunFlags & 0x800) != 0 ? 4 : 0);
            samples.Add((sampleDuration, sampleSize));
        }

        samples.Sum(s => s.Duration).ShouldBe(duration, where + ": tfxd duration against the samples");
        samples.Sum(s => (long)s.Size).ShouldBe(mdat.PayloadSize, where + ": sample sizes against the mdat");
        return new CapturedFragment(
            index,
            tracks[trackId],
            time,
            duration,
            samples,
            data.AsMemory(moof.Offset, mdat.Offset + mdat.Size - moof.Offset),
            data.AsMemory(mdat.PayloadOffset, mdat.PayloadSize));
    }
}

/// <summary>A track of the captured moov; <see cref="Type"/> is the Smooth stream type ("video", "audio").</summary>
public sealed record CapturedTrack(uint TrackId, string Type, uint Timescale);

/// <summary>One captured moof+mdat pair.</summary>
/// <param name="Index">Position among the capture's fragments.</param>
/// <param name="Track">The track it carries.</param>
/// <param name="Time">tfxd fragment absolute time (track timescale); negative for ffmpeg's AAC priming.</param>
/// <param name="Duration">tfxd fragment duration.</param>
/// <param name="Samples">trun sample durations and sizes.</param>
/// <param name="Bytes">The moof and mdat, as the encoder sends them.</param>
/// <param name="MdatPayload">The mdat's payload: the samples.</param>
public sealed record CapturedFragment(
    int Index,
    CapturedTrack Track,
    long Time,
    long Duration,
    IReadOnlyList<(long Duration, int Size)> Samples,
    ReadOnlyMemory<byte> Bytes,
    ReadOnlyMemory<byte> MdatPayload)
{
    public long End => Time + Duration;

    /// <summary>
    /// Where a Smooth timeline (which has no negative times) lists the fragment: from 0 when the encoder started it
    /// before 0 (AAC priming), else at its own time.
    /// </summary>
    public long PresentedTime => Math.Max(0, Time);

    public long PresentedDuration => End - PresentedTime;

    /// <summary>The payload a player can be served: without the leading samples that end at or before time 0.</summary>
    public ReadOnlyMemory<byte> PresentedMdat
    {
        get
        {
            var skip = 0;
            var sampleEnd = Time;
            foreach (var (duration, size) in Samples)
            {
                sampleEnd += duration;
                if (sampleEnd > 0)
                {
                    break;
                }

                skip += size;
            }

            return MdatPayload[skip..];
        }
    }

    /// <summary>When a live encoder could send it at the earliest: once its last sample exists.</summary>
    public TimeSpan Available => TimeSpan.FromSeconds((double)Math.Max(0, End) / Track.Timescale);
}
