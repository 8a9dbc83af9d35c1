namespace Cluster.Media.Boxes;

/// <summary>Extended types of the uuid boxes Smooth Streaming defines (MS-SSTR, live ingest).</summary>
public static class SmoothUuids
{
    /// <summary>Live server manifest box carrying the encoder's SMIL.</summary>
    public static readonly Guid LiveServerManifest = new("a5d40b30-e814-11dd-ba2f-0800200c9a66");

    /// <summary>TfxdBox: the fragment's absolute time and duration (MS-SSTR 2.2.4.4).</summary>
    public static readonly Guid Tfxd = new("6d1d9b05-42d5-44e6-80e2-141daff757b2");

    /// <summary>TfrfBox: times and durations of the following fragments (MS-SSTR 2.2.4.5).</summary>
    public static readonly Guid Tfrf = new("d4807ef2-ca39-4695-8e54-26cb9e46a79f");

    /// <summary>Writes a uuid's 16 bytes in box (big-endian) order.</summary>
    public static byte[] ToBoxBytes(Guid uuid)
    {
        var bytes = new byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes;
    }
}
