using System.Buffers.Binary;
using System.Text;

namespace Cluster.Media.Tests.TestSupport;

/// <summary>The ffmpeg capture, and a box walker written for the tests alone so expectations come from the file's bytes.</summary>
internal static class TestFile
{
    private static readonly Lazy<byte[]> Bytes = new(() => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv")));

    public static byte[] ThreeTracks => Bytes.Value;

    public static List<RawBox> TopLevel(byte[] file) => Children(file, 0, file.Length);

    public static List<RawBox> Children(byte[] file, int start, int end)
    {
        var boxes = new List<RawBox>();
        var position = start;
        while (position + 8 <= end)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(position));
            var type = Encoding.ASCII.GetString(file, position + 4, 4);
            var header = type == "uuid" ? 24 : 8;
            boxes.Add(new RawBox(type, position, size, header));
            position += size;
        }

        return boxes;
    }

    public static RawBox Child(byte[] file, RawBox parent, string type, int skip = 0) =>
        Children(file, parent.Offset + parent.HeaderSize + skip, parent.Offset + parent.Size).First(b => b.Type == type);

    public static uint UInt32At(byte[] file, int offset) => BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));

    public static byte[] Patch32(byte[] file, int offset, uint value)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    internal readonly record struct RawBox(string Type, int Offset, int Size, int HeaderSize)
    {
        public int PayloadOffset => Offset + HeaderSize;

        public int End => Offset + Size;
    }
}
