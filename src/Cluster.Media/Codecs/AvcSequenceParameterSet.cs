namespace Cluster.Media.Codecs;

/// <summary>The few fields of an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1) a packager needs.</summary>
internal readonly record struct AvcSequenceParameterSet(
    byte ProfileIdc,
    byte ConstraintFlags,
    byte LevelIdc,
    int Width,
    int Height,
    byte ChromaFormatIdc,
    byte BitDepthLumaMinus8,
    byte BitDepthChromaMinus8)
{
    // Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices (H.264 7.3.2.1.1).
    private static ReadOnlySpan<byte> HighProfiles => [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

    /// <summary>Parses an SPS NAL unit (with its one-byte NAL header).</summary>
    public static AvcSequenceParameterSet Parse(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 4 || (nal[0] & 0x1F) != 7)
        {
            throw new MediaFormatException("The H.264 codec data has no sequence parameter set.");
        }

        var rbsp = NalUnits.ToRbsp(nal);
        var reader = new BitReader(rbsp.AsSpan(4));
        reader.ReadUe(); // seq_parameter_set_id
        uint chromaFormatIdc = 1;
        var separateColourPlane = false;
        uint bitDepthLuma = 0, bitDepthChroma = 0;
        if (HighProfiles.Contains(rbsp[1]))
        {
            chromaFormatIdc = reader.ReadUe();
            if (chromaFormatIdc == 3)
            {
                separateColourPlane = reader.ReadFlag();
            }

            bitDepthLuma = reader.ReadUe();
            bitDepthChroma = reader.ReadUe();
            reader.ReadFlag(); // qpprime_y_zero_transform_bypass_flag
            if (reader.ReadFlag())
            {
                SkipScalingMatrices(ref reader, chromaFormatIdc == 3 ? 12 : 8);
            }
        }

        reader.ReadUe(); // log2_max_frame_num_minus4
        var picOrderCntType = reader.ReadUe();
        if (picOrderCntType == 0)
        {
            reader.ReadUe(); // log2_max_pic_order_cnt_lsb_minus4
        }
        else if (picOrderCntType == 1)
        {
            reader.ReadFlag(); // delta_pic_order_always_zero_flag
            reader.ReadSe(); // offset_for_non_ref_pic
            reader.ReadSe(); // offset_for_top_to_bottom_field
            var cycle = reader.ReadUe();
            for (var i = 0; i < cycle; i++)
            {
                reader.ReadSe();
            }
        }

        reader.ReadUe(); // max_num_ref_frames
        reader.ReadFlag(); // gaps_in_frame_num_value_allowed_flag
        var widthInMbs = reader.ReadUe() + 1;
        var heightInMapUnits = reader.ReadUe() + 1;
        var frameMbsOnly = reader.ReadFlag() ? 1u : 0u;
        if (frameMbsOnly == 0)
        {
            reader.ReadFlag(); // mb_adaptive_frame_field_flag
        }

        reader.ReadFlag(); // direct_8x8_inference_flag
        uint left = 0, right = 0, top = 0, bottom = 0;
        if (reader.ReadFlag())
        {
            left = reader.ReadUe();
            right = reader.ReadUe();
            top = reader.ReadUe();
            bottom = reader.ReadUe();
        }

        // Crop units per H.264 Table 6-1 and equations 7-19..7-22.
        var chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
        var subWidthC = chromaArrayType is 1 or 2 ? 2u : 1u;
        var subHeightC = chromaArrayType == 1 ? 2u : 1u;
        var cropUnitX = chromaArrayType == 0 ? 1u : subWidthC;
        var cropUnitY = chromaArrayType == 0 ? 2 - frameMbsOnly : subHeightC * (2 - frameMbsOnly);
        var width = (widthInMbs * 16) - (cropUnitX * (left + right));
        var height = ((2 - frameMbsOnly) * heightInMapUnits * 16) - (cropUnitY * (top + bottom));
        return new AvcSequenceParameterSet(
            rbsp[1], rbsp[2], rbsp[3], (int)width, (int)height, (byte)chromaFormatIdc, (byte)bitDepthLuma, (byte)bitDepthChroma);
    }

    private static void SkipScalingMatrices(ref BitReader reader, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!reader.ReadFlag())
            {
                continue;
            }

            var size = i < 6 ? 16 : 64;
            int last = 8, next = 8;
            for (var j = 0; j < size && next != 0; j++)
            {
                next = (last + reader.ReadSe() + 256) % 256;
                last = next == 0 ? last : next;
            }
        }
    }
}
