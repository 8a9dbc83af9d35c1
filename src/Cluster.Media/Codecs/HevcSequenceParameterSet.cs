namespace Cluster.Media.Codecs;

/// <summary>The fields of an H.265 SPS (ITU-T H.265 7.3.2.2) that hvcC and the codec string need.</summary>
internal readonly record struct HevcSequenceParameterSet(
    byte[] ProfileTierLevel,
    int MaxSubLayers,
    bool TemporalIdNested,
    int ChromaFormatIdc,
    int Width,
    int Height,
    int BitDepthLumaMinus8,
    int BitDepthChromaMinus8)
{
    /// <summary>Parses an SPS NAL unit including its two-byte NAL header.</summary>
    public static HevcSequenceParameterSet Parse(ReadOnlySpan<byte> nal)
    {
        var rbsp = NalUnits.ToRbsp(nal);
        if (rbsp.Length < 15)
        {
            throw new MediaFormatException("The HEVC sequence parameter set is too short.");
        }

        // Byte 2: sps_video_parameter_set_id (4), sps_max_sub_layers_minus1 (3), sps_temporal_id_nesting_flag (1);
        // bytes 3..14: general profile_tier_level, byte aligned, the same 12 bytes hvcC carries.
        var maxSubLayersMinus1 = (rbsp[2] >> 1) & 7;
        var nested = (rbsp[2] & 1) == 1;
        var ptl = rbsp.AsSpan(3, 12).ToArray();
        var reader = new BitReader(rbsp.AsSpan(15));
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            profilePresent[i] = reader.ReadFlag();
            levelPresent[i] = reader.ReadFlag();
        }

        if (maxSubLayersMinus1 > 0)
        {
            reader.Skip(2 * (8 - maxSubLayersMinus1));
        }

        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            reader.Skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }

        reader.ReadUe(); // sps_seq_parameter_set_id
        var chroma = (int)reader.ReadUe();
        if (chroma == 3)
        {
            reader.ReadFlag(); // separate_colour_plane_flag
        }

        var width = (int)reader.ReadUe();
        var height = (int)reader.ReadUe();
        if (reader.ReadFlag())
        {
            // Conformance window offsets are in chroma sample units (H.265 Table 6-1).
            var subWidth = chroma is 1 or 2 ? 2 : 1;
            var subHeight = chroma == 1 ? 2 : 1;
            width -= subWidth * (int)(reader.ReadUe() + reader.ReadUe());
            height -= subHeight * (int)(reader.ReadUe() + reader.ReadUe());
        }

        var lumaDepth = (int)reader.ReadUe();
        var chromaDepth = (int)reader.ReadUe();
        return new HevcSequenceParameterSet(ptl, maxSubLayersMinus1 + 1, nested, chroma & 3, width, height, lumaDepth & 7, chromaDepth & 7);
    }
}
