using System.Buffers.Binary;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.CmafIngest;

/// <summary>The ffmpeg DASH muxer captures (TestData/cmaf) and facts read from their bytes with the tests' own box walker.</summary>
internal static class CmafTestFiles
{
    public static byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "cmaf", relative));

    /// <summary>Every moof of a segment with its tfdt, the sample count of its truns and its mdat payload.</summary>
    public static List<(ulong Tfdt, int Samples, byte[] Payload)> Chunks(byte[] segment)
    {
        var chunks = new List<(ulong, int, byte[])>();
        var boxes = TestFile.TopLevel(segment);
        for (var i = 0; i < boxes.Count; i++)
        {
            if (boxes[i].Type != "moof")
            {
                continue;
            }

            var traf = TestFile.Child(segment, boxes[i], "traf");
            var tfdt = TestFile.Child(segment, traf, "tfdt");
            var version = segment[tfdt.PayloadOffset];
            var time = version == 1
                ? BinaryPrimitives.ReadUInt64BigEndian(segment.AsSpan(tfdt.PayloadOffset + 4))
                : TestFile.UInt32At(segment, tfdt.PayloadOffset + 4);
            var samples = TestFile.Children(segment, traf.PayloadOffset, traf.End)
                .Where(b => b.Type == "trun")
                .Sum(trun => (int)TestFile.UInt32At(segment, trun.PayloadOffset + 4));
            var mdat = boxes[i + 1];
            chunks.Add((time, samples, segment[mdat.PayloadOffset..mdat.End]));
        }

        return chunks;
    }
}
