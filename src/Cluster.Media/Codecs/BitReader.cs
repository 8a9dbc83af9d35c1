namespace Cluster.Media.Codecs;

/// <summary>
/// Reads bits and exp-Golomb codes (H.264/H.265 ue(v)/se(v)) from an RBSP, i.e. a NAL unit payload with the emulation
/// prevention bytes already removed. Reading past the end throws, so a lying parameter set becomes a clear error.
/// </summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _bit;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _bit = 0;
    }

    public readonly int BitsLeft => (_data.Length * 8) - _bit;

    public uint ReadBits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            var index = _bit >> 3;
            if (index >= _data.Length)
            {
                throw new MediaFormatException("A parameter set ends early.");
            }

            value = (value << 1) | (uint)((_data[index] >> (7 - (_bit & 7))) & 1);
            _bit++;
        }

        return value;
    }

    public bool ReadFlag() => ReadBits(1) == 1;

    public void Skip(int count)
    {
        _bit += count;
        if ((_bit + 7) >> 3 > _data.Length)
        {
            throw new MediaFormatException("A parameter set ends early.");
        }
    }

    /// <summary>Unsigned exp-Golomb: count leading zeros, then read that many bits more.</summary>
    public uint ReadUe()
    {
        var zeros = 0;
        while (!ReadFlag())
        {
            if (++zeros > 31)
            {
                throw new MediaFormatException("A parameter set has an exp-Golomb code longer than 32 bits.");
            }
        }

        return zeros == 0 ? 0 : (uint)((1UL << zeros) - 1 + ReadBits(zeros));
    }

    /// <summary>Signed exp-Golomb: 1, 2, 3, 4 map to 1, -1, 2, -2.</summary>
    public int ReadSe()
    {
        var code = ReadUe();
        return (code & 1) == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }
}
