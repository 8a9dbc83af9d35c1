using System.Buffers.Binary;
using Cluster.Media.Model;

namespace Cluster.Media.MpegTs;

/// <summary>
/// Packages one stored fragment as an MPEG-2 transport stream segment (ISO/IEC 13818-1) for HLS (RFC 8216 3.2): PAT
/// and PMT first, then one PES packet per sample, H.264 in Annex B (an access unit delimiter, SPS and PPS before each
/// key frame) or AAC in ADTS, with a PCR on every PES. Segments are made on request, one at a time and in any order,
/// yet their continuity counters run on from one segment to the next as players and demuxers check: each segment's
/// media packets are stuffed to a multiple of 16 (so every segment starts the counter at 0), and PAT and PMT, one
/// packet each per segment, count with the segment's sequence number.
/// </summary>
public static class TsSegmentWriter
{
    /// <summary>PID of the program map table.</summary>
    public const int PmtPid = 0x1000;

    /// <summary>PID of the elementary stream (video or audio: a segment carries one track).</summary>
    public const int MediaPid = 0x100;

    private const long TimestampMask = (1L << 33) - 1;

    /// <summary>How far each PCR runs ahead of its access unit's decoding time: 100 ms, for the decoder's buffer.</summary>
    private const long PcrLead = 9_000;

    /// <summary>
    /// What every presentation time is moved on by, 0.5 s: stored B-frames present before they decode (negative
    /// composition offsets), which TS cannot say (13818-1 2.7.5: PTS never before DTS). Moving all tracks' PTS alike
    /// keeps them in sync, and keeps decode times as they are, so nothing goes below 0 at the start of a session.
    /// </summary>
    public const long PresentationOffset = 45_000;

    /// <summary>Writes <paramref name="fragment"/> of <paramref name="track"/>; <paramref name="sequenceNumber"/> is its number in the session (consecutive fragments, consecutive numbers).</summary>
    public static byte[] Write(TsTrack track, Fragment fragment, long sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentNullException.ThrowIfNull(fragment);
        var units = PesUnits(track, fragment);
        var packets = new int[units.Count];
        var total = 0;
        var largest = 0;
        for (var i = 0; i < units.Count; i++)
        {
            packets[i] = TsPacketWriter.PacketsFor(units[i].Pes.Length, TsPacketWriter.AdaptationSize(units[i].RandomAccess, pcr: true));
            total += packets[i];
            largest = units[i].Pes.Length > units[largest].Pes.Length ? i : largest;
        }

        // The padding goes to the largest unit, which always has a byte for each extra packet.
        var padding = (16 - (total % 16)) % 16;
        packets[largest] += padding;
        var writer = new TsPacketWriter(2 + total + padding);
        var psiContinuity = (int)(sequenceNumber & 0xF);
        var pmtContinuity = psiContinuity;
        writer.WriteUnit(0, ref psiContinuity, Pat, 1);
        writer.WriteUnit(PmtPid, ref pmtContinuity, track.Kind == TrackKind.Video ? VideoPmt : AudioPmt, 1);
        var continuity = 0;
        for (var i = 0; i < units.Count; i++)
        {
            var pcr = ((units[i].Dts - PcrLead) < 0 ? 0 : units[i].Dts - PcrLead) & TimestampMask;
            writer.WriteUnit(MediaPid, ref continuity, units[i].Pes, packets[i], pcr, units[i].RandomAccess);
        }

        return writer.ToArray();
    }

    /// <summary>
    /// At most how many bytes <see cref="Write"/> makes of <paramref name="fragment"/>, without making it: what HLS's
    /// BANDWIDTH must cover (RFC 8216 4.3.4.2). Per sample a PES header with both timestamps (19), the PCR's
    /// adaptation field (8), the delimiter (6) and the parameter sets (at most 256) before a key frame, or the ADTS
    /// header (7); per segment PAT, PMT and up to 15 stuffed packets. Samples' 4-byte NAL lengths become 4-byte start codes.
    /// </summary>
    public static long MaxLength(Fragment fragment, TrackKind kind)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        long packets = 2 + 15;
        foreach (var sample in fragment.Samples)
        {
            var extra = kind == TrackKind.Video ? 19 + 6 + (sample.IsSync ? 256 : 0) : 19 + 7;
            packets += (sample.Size + extra + 8 + 183) / 184;
        }

        return packets * TsPacketWriter.PacketSize;
    }

    private static List<PesUnit> PesUnits(TsTrack track, Fragment fragment)
    {
        var units = new List<PesUnit>(fragment.Samples.Length);
        var data = fragment.Data.Span;
        var decodeTime = fragment.Time;
        var offset = 0;
        foreach (var sample in fragment.Samples)
        {
            var bytes = data.Slice(offset, (int)sample.Size);
            var dts = To90kHz(decodeTime, track.Timescale);
            var pts = (To90kHz(decodeTime + sample.CompositionTimeOffset, track.Timescale) + PresentationOffset) & TimestampMask;
            units.Add(track.Kind == TrackKind.Video
                ? new PesUnit(VideoPes(track, bytes, sample.IsSync, pts, dts), dts, sample.IsSync)
                : new PesUnit(AudioPes(track, bytes, pts), pts, RandomAccess: true));
            decodeTime += sample.Duration;
            offset += (int)sample.Size;
        }

        return units;
    }

    /// <summary>An access unit: delimiter, parameter sets before a key frame, then the sample's NAL units with start codes instead of lengths.</summary>
    private static byte[] VideoPes(TsTrack track, ReadOnlySpan<byte> sample, bool key, long pts, long dts)
    {
        var length = TsTrack.StartCode.Length + AccessUnitDelimiter.Length + (key ? track.ParameterSets.Length : 0);
        foreach (var (start, size) in NalUnits(sample, track.NalLengthSize))
        {
            length += IsDelimiter(sample[start]) ? 0 : TsTrack.StartCode.Length + size;
        }

        var pes = Pes(0xE0, length, pts, pts == dts ? null : dts, out var at);
        var es = pes.AsSpan(at);
        TsTrack.StartCode.CopyTo(es);
        AccessUnitDelimiter.CopyTo(es[TsTrack.StartCode.Length..]);
        es = es[(TsTrack.StartCode.Length + AccessUnitDelimiter.Length)..];
        if (key)
        {
            track.ParameterSets.CopyTo(es);
            es = es[track.ParameterSets.Length..];
        }

        foreach (var (start, size) in NalUnits(sample, track.NalLengthSize))
        {
            // The sample's own delimiter would be a second one for the same access unit.
            if (!IsDelimiter(sample[start]))
            {
                TsTrack.StartCode.CopyTo(es);
                sample.Slice(start, size).CopyTo(es[TsTrack.StartCode.Length..]);
                es = es[(TsTrack.StartCode.Length + size)..];
            }
        }

        return pes;
    }

    private static bool IsDelimiter(byte header) => (header & 0x1F) == 9;

    /// <summary>Where each NAL unit of a length-prefixed sample lies; <see cref="MediaFormatException"/> when a length runs past the sample.</summary>
    private static List<(int Start, int Size)> NalUnits(ReadOnlySpan<byte> sample, int lengthSize)
    {
        var units = new List<(int, int)>(8);
        var at = 0;
        while (at < sample.Length)
        {
            if (sample.Length - at < lengthSize)
            {
                throw new MediaFormatException("A video sample ends inside a NAL unit length.");
            }

            long size = 0;
            foreach (var b in sample.Slice(at, lengthSize))
            {
                size = (size << 8) | b;
            }

            at += lengthSize;
            if (size == 0 || size > sample.Length - at)
            {
                throw new MediaFormatException($"A video sample's NAL unit of {size} bytes does not fit the {sample.Length - at} left.");
            }

            units.Add((at, (int)size));
            at += (int)size;
        }

        return units;
    }

    /// <summary>One AAC frame behind its 7-byte ADTS header (ISO/IEC 13818-7 6.2, no CRC).</summary>
    private static byte[] AudioPes(TsTrack track, ReadOnlySpan<byte> frame, long pts)
    {
        var length = frame.Length + 7;
        if (length > 0x1FFF)
        {
            throw new MediaFormatException($"An AAC frame of {frame.Length} bytes is too long for ADTS.");
        }

        var (profile, frequency, channels) = track.Adts;
        var pes = Pes(0xC0, length, pts, null, out var at);
        var es = pes.AsSpan(at);
        es[0] = 0xFF;
        es[1] = 0xF1; // MPEG-4, layer 0, no CRC
        es[2] = (byte)((profile << 6) | (frequency << 2) | (channels >> 2));
        es[3] = (byte)(((channels & 3) << 6) | (length >> 11));
        es[4] = (byte)(length >> 3);
        es[5] = (byte)(((length & 7) << 5) | 0x1F); // buffer fullness 0x7FF: variable rate
        es[6] = 0xFC;
        frame.CopyTo(es[7..]);
        return pes;
    }

    /// <summary>
    /// A PES packet (13818-1 2.4.3.6) for <paramref name="esLength"/> bytes of stream data, its header written: PTS and,
    /// when it differs, DTS; video longer than 65,535 bytes leaves the length 0, as the standard allows. The data goes at <paramref name="esOffset"/>.
    /// </summary>
    private static byte[] Pes(byte streamId, int esLength, long pts, long? dts, out int esOffset)
    {
        var headerData = dts is null ? 5 : 10;
        esOffset = 9 + headerData;
        var pes = new byte[esOffset + esLength];
        pes[2] = 1;
        pes[3] = streamId;
        var length = 3 + headerData + esLength;
        BinaryPrimitives.WriteUInt16BigEndian(pes.AsSpan(4), (ushort)(length > 0xFFFF ? 0 : length));
        pes[6] = 0x84; // '10', data_alignment_indicator: the packet starts with an access unit
        pes[7] = dts is null ? (byte)0x80 : (byte)0xC0;
        pes[8] = (byte)headerData;
        WriteTimestamp(pes.AsSpan(9), dts is null ? 0b0010 : 0b0011, pts);
        if (dts is { } decode)
        {
            WriteTimestamp(pes.AsSpan(14), 0b0001, decode);
        }

        return pes;
    }

    private static void WriteTimestamp(Span<byte> span, int prefix, long value)
    {
        span[0] = (byte)((prefix << 4) | (int)((value >> 29) & 0x0E) | 1);
        span[1] = (byte)(value >> 22);
        span[2] = (byte)(((value >> 14) & 0xFE) | 1);
        span[3] = (byte)(value >> 7);
        span[4] = (byte)(((value << 1) & 0xFE) | 1);
    }

    private static long To90kHz(long time, long timescale) => (long)((Int128)time * 90_000 / timescale) & TimestampMask;

    /// <summary>nal_unit_type 9 with primary_pic_type 7 (any slice type) and its stop bit.</summary>
    private static ReadOnlySpan<byte> AccessUnitDelimiter => [0x09, 0xF0];

    private static readonly byte[] Pat = TsPacketWriter.Section(
    [
        0x00, 0xB0, 0x0D, // table_id 0 (PAT), section_syntax_indicator, section_length 13
        0x00, 0x01, 0xC1, 0x00, 0x00, // transport_stream_id 1, version 0, current, section 0 of 0
        0x00, 0x01, 0xE0 | (PmtPid >> 8), PmtPid & 0xFF, // program 1 -> PMT PID
    ]);

    private static readonly byte[] VideoPmt = Pmt(0x1B);

    private static readonly byte[] AudioPmt = Pmt(0x0F);

    /// <summary>Program 1 with one elementary stream on <see cref="MediaPid"/>, which also carries the PCR: stream type 0x1B is H.264, 0x0F AAC in ADTS.</summary>
    private static byte[] Pmt(byte streamType) => TsPacketWriter.Section(
    [
        0x02, 0xB0, 0x12, // table_id 2 (PMT), section_syntax_indicator, section_length 18
        0x00, 0x01, 0xC1, 0x00, 0x00, // program_number 1, version 0, current, section 0 of 0
        0xE0 | (MediaPid >> 8), MediaPid & 0xFF, // PCR_PID
        0xF0, 0x00, // program_info_length 0
        streamType, 0xE0 | (MediaPid >> 8), MediaPid & 0xFF, 0xF0, 0x00, // the stream, no descriptors
    ]);

    private readonly record struct PesUnit(byte[] Pes, long Dts, bool RandomAccess);
}
