using System.Buffers.Binary;
using System.Text;

namespace Cluster.Media.Tests.Cmaf;

/// <summary>
/// A deliberately independent ISO-BMFF reader for tests (no code shared with the writers): boxes by type path, with
/// the container layouts of 14496-12 written out again here.
/// </summary>
internal sealed class TestBox
{
    private static readonly HashSet<string> Containers = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf"];

    private TestBox(byte[] file, string type, int offset, int size)
    {
        File = file;
        Type = type;
        Offset = offset;
        Size = size;
    }

    public byte[] File { get; }

    public string Type { get; }

    public int Offset { get; }

    public int Size { get; }

    public int End => Offset + Size;

    /// <summary>The bytes after the 8-byte header.</summary>
    public ReadOnlySpan<byte> Payload => File.AsSpan(Offset + 8, Size - 8);

    public List<TestBox> Children
    {
        get
        {
            var childStart = Type switch
            {
                "stsd" => 16,
                "dref" => 16,
                "avc1" or "hvc1" => 86,
                "mp4a" => 36,
                _ when Containers.Contains(Type) => 8,
                _ => -1,
            };
            return childStart < 0 ? [] : Parse(File, Offset + childStart, End);
        }
    }

    public static List<TestBox> Parse(byte[] file, int start, int end)
    {
        var boxes = new List<TestBox>();
        var offset = start;
        while (offset + 8 <= end)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
            if (size < 8 || offset + size > end)
            {
                throw new InvalidDataException($"Box at {offset} has size {size} beyond {end}.");
            }

            boxes.Add(new TestBox(file, Encoding.ASCII.GetString(file, offset + 4, 4), offset, size));
            offset += size;
        }

        offset.ShouldBe(end, "boxes must fill their parent exactly");
        return boxes;
    }

    public static List<TestBox> Parse(byte[] file) => Parse(file, 0, file.Length);

    /// <summary>The single descendant at a slash-separated path, such as <c>moov/trak/tkhd</c>.</summary>
    public TestBox Get(string path)
    {
        var box = this;
        foreach (var part in path.Split('/'))
        {
            box = box.Children.Single(child => child.Type == part);
        }

        return box;
    }

    public uint U32(int payloadOffset) => BinaryPrimitives.ReadUInt32BigEndian(Payload[payloadOffset..]);

    public ulong U64(int payloadOffset) => BinaryPrimitives.ReadUInt64BigEndian(Payload[payloadOffset..]);

    public ushort U16(int payloadOffset) => BinaryPrimitives.ReadUInt16BigEndian(Payload[payloadOffset..]);

    public override string ToString() => $"{Type}@{Offset}+{Size}";
}
