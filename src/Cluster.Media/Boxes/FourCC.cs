namespace Cluster.Media.Boxes;

/// <summary>Box types as big-endian 32-bit numbers, the way they stand in a box header.</summary>
public static class FourCC
{
    /// <summary>Turns a four-character code into its number.</summary>
    public static uint Of(string code) =>
        code.Length == 4
            ? ((uint)code[0] << 24) | ((uint)code[1] << 16) | ((uint)code[2] << 8) | code[3]
            : throw new ArgumentException("A box type has four characters.", nameof(code));

    /// <summary>Turns a box type number back into text, for messages.</summary>
    public static string ToString(uint type)
    {
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((type >> (24 - (8 * i))) & 0xFF);
            chars[i] = c is >= ' ' and <= '~' ? c : '?';
        }

        return new string(chars);
    }

#pragma warning disable CS1591 // Box names are their documentation.
    public const uint Ftyp = 0x66747970;
    public const uint Styp = 0x73747970;
    public const uint Uuid = 0x75756964;
    public const uint Moov = 0x6D6F6F76;
    public const uint Mvhd = 0x6D766864;
    public const uint Trak = 0x7472616B;
    public const uint Tkhd = 0x746B6864;
    public const uint Mdia = 0x6D646961;
    public const uint Mdhd = 0x6D646864;
    public const uint Hdlr = 0x68646C72;
    public const uint Minf = 0x6D696E66;
    public const uint Vmhd = 0x766D6864;
    public const uint Smhd = 0x736D6864;
    public const uint Dinf = 0x64696E66;
    public const uint Dref = 0x64726566;
    public const uint Stbl = 0x7374626C;
    public const uint Stsd = 0x73747364;
    public const uint Stts = 0x73747473;
    public const uint Stsc = 0x73747363;
    public const uint Stsz = 0x7374737A;
    public const uint Stco = 0x7374636F;
    public const uint Mvex = 0x6D766578;
    public const uint Trex = 0x74726578;
    public const uint Avc1 = 0x61766331;
    public const uint Avc3 = 0x61766333;
    public const uint AvcC = 0x61766343;
    public const uint Hev1 = 0x68657631;
    public const uint Hvc1 = 0x68766331;
    public const uint HvcC = 0x68766343;
    public const uint Mp4a = 0x6D703461;
    public const uint Esds = 0x65736473;
    public const uint Moof = 0x6D6F6F66;
    public const uint Mfhd = 0x6D666864;
    public const uint Traf = 0x74726166;
    public const uint Tfhd = 0x74666864;
    public const uint Tfdt = 0x74666474;
    public const uint Trun = 0x7472756E;
    public const uint Mdat = 0x6D646174;
    public const uint Mfra = 0x6D667261;
    public const uint Tfra = 0x74667261;
    public const uint Mfro = 0x6D66726F;
    public const uint Free = 0x66726565;
    public const uint Skip = 0x736B6970;
    public const uint Sidx = 0x73696478;
    public const uint Prft = 0x70726674;
    public const uint Btrt = 0x62747274;
    public const uint Stpp = 0x73747070;
    public const uint Sthd = 0x73746864;
    public const uint Url = 0x75726C20; // "url "
    public const uint Emsg = 0x656D7367;
    public const uint Vide = 0x76696465;
    public const uint Soun = 0x736F756E;
    public const uint Text = 0x74657874;
    public const uint Subt = 0x73756274;
    public const uint Sbtl = 0x7362746C;
#pragma warning restore CS1591
}
