namespace Cluster.Media.Codecs;

/// <summary>Splits Annex B byte streams into NAL units and turns NAL payloads into RBSPs.</summary>
internal static class NalUnits
{
    /// <summary>
    /// The NAL units of an Annex B stream (start codes 00 00 01 or 00 00 00 01, both occur in Smooth CodecPrivateData),
    /// as (offset, length) pairs; trailing zero bytes before the next start code belong to no NAL unit.
    /// </summary>
    public static List<(int Offset, int Length)> SplitAnnexB(ReadOnlySpan<byte> stream)
    {
        var units = new List<(int Offset, int Length)>(4);
        var start = -1;
        var i = 0;
        while (i + 2 < stream.Length)
        {
            if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1)
            {
                if (start >= 0)
                {
                    units.Add((start, TrimZeros(stream, start, i)));
                }

                i += 3;
                start = i;
            }
            else
            {
                i++;
            }
        }

        if (start >= 0 && start < stream.Length)
        {
            units.Add((start, TrimZeros(stream, start, stream.Length)));
        }

        if (start < 0)
        {
            throw new MediaFormatException("The codec private data has no Annex B start code.");
        }

        units.RemoveAll(u => u.Length == 0);
        return units;
    }

    /// <summary>Removes emulation prevention bytes (the 03 in 00 00 03) so exp-Golomb fields read correctly.</summary>
    public static byte[] ToRbsp(ReadOnlySpan<byte> nal)
    {
        var rbsp = new byte[nal.Length];
        var length = 0;
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            zeros = b == 0 ? zeros + 1 : 0;
            rbsp[length++] = b;
        }

        return rbsp.AsSpan(0, length).ToArray();
    }

    private static int TrimZeros(ReadOnlySpan<byte> stream, int start, int end)
    {
        while (end > start && stream[end - 1] == 0)
        {
            end--;
        }

        return end - start;
    }
}
