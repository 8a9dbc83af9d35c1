using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Media.Tests.Cmaf;
using Cluster.Media.Tests.TestSupport;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothStreamWriterTests
{
    private const string LiveManifestUuid = "a5d40b30e81411ddba2f0800200c9a66";

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(42, false)]
    public async Task WriteHeaderAndFragments_FfmpegCaptureRewritten_ReadBackAsTheSameTracksAndFragments(int seed, bool fullMfra)
    {
        var original = await Ingest.ReadWholeAsync(TestFile.ThreeTracks);
        original.Header.Tracks.Select(t => (t.Name, t.Bitrate)).ShouldBe([("video", 200_000), ("video", 100_000), ("audio", 64_000)]);

        var file = Rewrite(original.Header.Tracks, original.Fragments, fullMfra);
        var result = await Ingest.ReadChunkedAsync(file, seed);

        result.Header.Tracks.Length.ShouldBe(original.Header.Tracks.Length);
        for (var i = 0; i < result.Header.Tracks.Length; i++)
        {
            var actual = result.Header.Tracks[i];
            var expected = original.Header.Tracks[i];
            actual.ShouldSatisfyAllConditions(
                t => t.Kind.ShouldBe(expected.Kind),
                t => t.Name.ShouldBe(expected.Name),
                t => t.Bitrate.ShouldBe(expected.Bitrate),
                t => t.TrackId.ShouldBe(expected.TrackId),
                t => t.FourCC.ShouldBe(expected.FourCC),
                t => t.CodecPrivateData.ShouldBe(expected.CodecPrivateData),
                t => t.Timescale.ShouldBe(expected.Timescale),
                t => t.Width.ShouldBe(expected.Width),
                t => t.Height.ShouldBe(expected.Height),
                t => t.SamplingRate.ShouldBe(expected.SamplingRate),
                t => t.Channels.ShouldBe(expected.Channels),
                t => t.DecoderConfig.ToArray().ShouldBe(expected.DecoderConfig.ToArray()));

            // Every other field too: display sizes, bits per sample, packet size, audio tag, language.
            (actual with { DecoderConfig = default }).ShouldBe(expected with { DecoderConfig = default });
        }

        result.Fragments.Count.ShouldBe(original.Fragments.Count);
        for (var i = 0; i < result.Fragments.Count; i++)
        {
            var actual = result.Fragments[i];
            var expected = original.Fragments[i];
            actual.TrackId.ShouldBe(expected.TrackId);
            actual.SequenceNumber.ShouldBe((uint)(i + 1));
            actual.Fragment.Time.ShouldBe(expected.Fragment.Time);
            actual.Fragment.Duration.ShouldBe(expected.Fragment.Duration);
            actual.Fragment.Samples.ShouldBe(expected.Fragment.Samples);
            actual.Fragment.Data.ToArray().ShouldBe(expected.Fragment.Data.ToArray());
        }

        result.Reader.EndedWithMfra.ShouldBeTrue();
        result.Reader.BytesRead.ShouldBe(file.Length);
    }

    [Fact]
    public async Task WriteHeader_EqualTracksTwice_ByteIdenticalHeaders()
    {
        var tracks = (await Ingest.ReadWholeAsync(TestFile.ThreeTracks)).Header.Tracks;
        var copies = tracks.Select(t => t with { DecoderConfig = t.DecoderConfig.ToArray(), Name = new string(t.Name.AsSpan()) }).ToList();

        var first = SmoothStreamWriter.WriteHeader(tracks);
        var second = SmoothStreamWriter.WriteHeader(copies);

        second.ShouldBe(first);
        SmoothStreamWriter.WriteHeader(tracks).ShouldBe(first);
    }

    [Fact]
    public void WriteHeader_FourTracks_FtypLiveManifestAndMoovWithOneTrakPerTrackInListOrder()
    {
        var header = SmoothStreamWriter.WriteHeader(FourTracks());

        var top = TestBox.Parse(header);
        top.Select(b => b.Type).ShouldBe(["ftyp", "uuid", "moov"]);
        var ftyp = top[0];
        FourCC.ToString(ftyp.U32(0)).ShouldBe("isml");
        var brands = Enumerable.Range(0, (ftyp.Size - 16) / 4).Select(i => FourCC.ToString(ftyp.U32(8 + (4 * i)))).ToList();
        brands.ShouldContain("isml");
        brands.ShouldContain("piff");

        var uuid = top[1];
        Convert.ToHexStringLower(uuid.Payload[..16]).ShouldBe(LiveManifestUuid);
        uuid.U32(16).ShouldBe(0u); // version 0, flags 0

        var moov = top[2];
        moov.Get("mvhd").U32(96).ShouldBe(5u); // next_track_ID
        var traks = moov.Children.Where(b => b.Type == "trak").ToList();
        traks.Select(t => IsmvCapture.TrackId(t.Get("tkhd"))).ShouldBe([1u, 2u, 3u, 4u]);
        traks.Select(t => t.Get("mdia/mdhd").U32(12)).ShouldBe([10_000_000u, 90_000u, 48_000u, 10_000_000u]);
        traks.Select(t => FourCC.ToString(t.Get("mdia/hdlr").U32(8))).ShouldBe(["vide", "vide", "soun", "subt"]);
        traks.Select(t => t.Get("mdia/minf/stbl/stsd").Children.Single().Type).ShouldBe(["avc1", "avc1", "mp4a", "stpp"]);
        foreach (var trak in traks)
        {
            trak.Get("mdia/minf/stbl/stts").U32(4).ShouldBe(0u);
            trak.Get("mdia/minf/stbl/stsz").U32(8).ShouldBe(0u);
        }

        moov.Get("mvex").Children.Select(trex => trex.U32(4)).ShouldBe([1u, 2u, 3u, 4u]);
    }

    [Fact]
    public async Task WriteHeader_FourTracks_ReaderMergesSmilAndMoovIntoTheTracksGiven()
    {
        var tracks = FourTracks();
        var result = await Ingest.ReadChunkedAsync(SmoothStreamWriter.WriteHeader(tracks), seed: 5, maxChunk: 64);

        var read = result.Header.Tracks;
        read.Select(t => t.Kind).ShouldBe([TrackKind.Video, TrackKind.Video, TrackKind.Audio, TrackKind.Text]);
        read.Select(t => t.TrackId).ShouldBe([1u, 2u, 3u, 4u]);
        read.Select(t => t.Name).ShouldBe(["video", "video", "audio_fr", "subs"]);
        read.Select(t => t.Bitrate).ShouldBe([200_000, 100_000, 96_000, 1_000]);
        read.Select(t => t.FourCC).ShouldBe(["H264", "H264", "AACL", "TTML"]);
        read.Select(t => t.Timescale).ShouldBe([10_000_000L, 90_000L, 48_000L, 10_000_000L]);
        read.Select(t => t.Language).ShouldBe([null, null, "fra", "eng"]);

        // The second video track had only its avcC: CodecPrivateData and sizes come from it.
        read[1].CodecPrivateData.ShouldBe(IsmvCapture.CodecPrivateData(2));
        (read[1].Width, read[1].Height).ShouldBe((128, 72));
        read[1].DecoderConfig.ToArray().ShouldBe(IsmvCapture.AvcC(2));
        read[0].CodecPrivateData.ShouldBe(IsmvCapture.CodecPrivateData(1));
        (read[0].Width, read[0].Height).ShouldBe((160, 90));
        read[2].ShouldSatisfyAllConditions(
            t => t.CodecPrivateData.ShouldBe("1190"),
            t => t.SamplingRate.ShouldBe(48000),
            t => t.Channels.ShouldBe(2),
            t => t.AudioTag.ShouldBe(255),
            t => t.BitsPerSample.ShouldBe(16));
        result.Fragments.ShouldBeEmpty();
    }

    [Fact]
    public async Task WriteBox_FfmpegCaptureTracks_SmilHasEveryParamFfmpegWroteWithTheSameValue()
    {
        var file = TestFile.ThreeTracks;
        var tracks = (await Ingest.ReadWholeAsync(file)).Header.Tracks;
        var ffmpegBox = TestFile.TopLevel(file).Single(b => b.Type == "uuid");

        var ours = Smil(LiveServerManifestWriter.WriteBox(tracks));
        var ffmpeg = Smil(file.AsSpan(ffmpegBox.Offset, ffmpegBox.Size));

        ours.Length.ShouldBe(ffmpeg.Length);
        for (var i = 0; i < ours.Length; i++)
        {
            ours[i].Name.LocalName.ShouldBe(ffmpeg[i].Name.LocalName);
            ours[i].Attribute("systemBitrate")!.Value.ShouldBe(ffmpeg[i].Attribute("systemBitrate")!.Value);
            var ourParams = Params(ours[i]);
            foreach (var (name, value) in Params(ffmpeg[i]))
            {
                ourParams.ShouldContainKeyAndValue(name, value, $"track {i + 1} param {name}");
            }

            ours[i].Elements().ShouldAllBe(p => p.Attribute("valuetype")!.Value == "data");
            ourParams["timescale"].ShouldBe("10000000");
        }
    }

    [Fact]
    public void WriteBox_NameNeedingEscapes_ReadBackUnchanged()
    {
        var track = FourTracks()[0] with { Name = "cam <1> & \"main\"" };

        var tracks = LiveServerManifestReader.Read(LiveServerManifestWriter.WriteBox([track]), 0);

        tracks.ShouldHaveSingleItem().Name.ShouldBe("cam <1> & \"main\"");
    }

    [Fact]
    public void WriteHeader_UnsupportedCodec_ThrowsMediaFormatException()
    {
        var track = new TrackInfo { Kind = TrackKind.Video, Name = "video", Bitrate = 1, FourCC = "WVC1", CodecPrivateData = "250000010F" };

        Should.Throw<MediaFormatException>(() => SmoothStreamWriter.WriteHeader([FourTracks()[0], track])).Message.ShouldContain("WVC1");
    }

    [Fact]
    public void WriteHeader_NoTracks_ThrowsArgumentException() =>
        Should.Throw<ArgumentException>(() => SmoothStreamWriter.WriteHeader([]));

    [Fact]
    public void WriteFragmentHeader_CaptureFragment_MoofWithTfxdAndNoTfrfThenMdatHeader()
    {
        var fragment = IsmvCapture.Fragments(3)[1];
        var writer = new BoxWriter();
        writer.WriteBytes([0xAA, 0xBB]); // the header need not start the writer's buffer

        SmoothStreamWriter.WriteFragmentHeader(writer, fragment, trackId: 3, sequenceNumber: 12);

        var bytes = writer.ToArray();
        var moof = TestBox.Parse(bytes, 2, bytes.Length - 8).ShouldHaveSingleItem();
        moof.Type.ShouldBe("moof");
        moof.Get("mfhd").U32(4).ShouldBe(12u);
        var traf = moof.Get("traf");
        traf.Children.Select(b => b.Type).ShouldBe(["tfhd", "trun", "uuid"]);
        traf.Get("tfhd").U32(4).ShouldBe(3u);
        var tfxd = traf.Get("uuid");
        Convert.ToHexStringLower(tfxd.Payload[..16]).ShouldBe("6d1d9b0542d544e680e2141daff757b2");
        tfxd.Payload[16].ShouldBe((byte)1);
        ((long)tfxd.U64(20)).ShouldBe(fragment.Time);
        ((long)tfxd.U64(28)).ShouldBe(fragment.Duration);
        var dataOffset = BinaryPrimitives.ReadInt32BigEndian(traf.Get("trun").Payload[8..]);
        (moof.Offset + dataOffset).ShouldBe(bytes.Length);
        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(bytes.Length - 8)).ShouldBe((uint)(8 + fragment.Data.Length));
        Encoding.ASCII.GetString(bytes, bytes.Length - 4, 4).ShouldBe("mdat");
    }

    [Fact]
    public void EmptyMfra_IsAnEightByteMfraBox() =>
        SmoothStreamWriter.EmptyMfra.ToArray().ShouldBe(new byte[] { 0, 0, 0, 8, (byte)'m', (byte)'f', (byte)'r', (byte)'a' });

    [Fact]
    public void WriteMfra_TwoTracks_TfraEntriesAndMfroSizeParseBackPer14496Part12()
    {
        MfraTrack[] tracks =
        [
            new(1, [new MfraEntry(0, 4085), new MfraEntry(20_000_000, 83_081), new MfraEntry(40_000_000, 5_000_000_000)]),
            new(3, [new MfraEntry(-213_333, 66_486), new MfraEntry(19_200_000, 160_601)]),
        ];

        var mfra = SmoothStreamWriter.WriteMfra(tracks);

        var parsed = ParseMfra(mfra);
        parsed.Tracks.Count.ShouldBe(2);
        for (var t = 0; t < tracks.Length; t++)
        {
            parsed.Tracks[t].TrackId.ShouldBe(tracks[t].TrackId);
            parsed.Tracks[t].Entries.ShouldBe(tracks[t].Entries.Select(e => (e.Time, e.MoofOffset, 1L, 1L, 1L)));
        }

        parsed.MfroSize.ShouldBe(mfra.Length);
    }

    [Fact]
    public void WriteMfra_NoTracks_OnlyAnMfro()
    {
        var mfra = SmoothStreamWriter.WriteMfra([]);

        mfra.Length.ShouldBe(24);
        var parsed = ParseMfra(mfra);
        parsed.Tracks.ShouldBeEmpty();
        parsed.MfroSize.ShouldBe(24);
    }

    [Fact]
    public async Task WrittenFile_ReadByFfprobe_StreamsCodecsAndDurationMatchTheFragments()
    {
        var original = await Ingest.ReadWholeAsync(TestFile.ThreeTracks);
        var file = Rewrite(original.Header.Tracks, original.Fragments, fullMfra: true);

        var probe = Ffprobe.Run(file, ".ismv", "-show_format", "-show_streams");

        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        streams.Count.ShouldBe(3);
        probe.GetProperty("format").GetProperty("nb_streams").GetInt32().ShouldBe(3);
        streams.Select(s => s.GetProperty("codec_name").GetString()).ShouldBe(["h264", "h264", "aac"]);
        streams.Take(2).Select(s => (s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32())).ShouldBe([(160, 90), (128, 72)]);
        streams[2].GetProperty("sample_rate").GetString().ShouldBe("48000");
        streams[2].GetProperty("channels").GetInt32().ShouldBe(1);

        // Each stream lasts as long as its fragments; the file spans the streams, each from the start ffprobe gives it
        // (video shows its first frame after the decoder's B-frame delay, there being no edit list).
        double earliest = double.MaxValue, latest = 0;
        for (var i = 0; i < streams.Count; i++)
        {
            var fragments = original.Fragments.Where(f => f.TrackId == i + 1).Select(f => f.Fragment).ToList();
            var duration = (fragments[^1].End - fragments[0].Time) / 1e7;
            var frame = fragments[0].Samples[0].Duration / 1e7;
            Seconds(streams[i], "duration").ShouldBe(duration, frame, $"stream {i}");
            var start = Seconds(streams[i], "start_time");
            earliest = Math.Min(earliest, start);
            latest = Math.Max(latest, start + duration);
        }

        latest.ShouldBeGreaterThanOrEqualTo(4.0);
        Seconds(probe.GetProperty("format"), "duration").ShouldBe(latest - earliest, 0.04);
    }

    [Fact]
    public async Task WriteMfra_FfprobeTakingTimesFromTheMfra_EachFragmentStartsAtItsTfraTime()
    {
        const long Shift = 50_000_000;
        var original = await Ingest.ReadWholeAsync(TestFile.ThreeTracks);
        var file = Rewrite(original.Header.Tracks, original.Fragments, fullMfra: true, mfraShift: Shift);

        // ffmpeg's own tfra reader (option use_mfra_for) maps each entry's moof offset to its fragment and takes the
        // fragment's decode time from the entry: both fields must be right for the shifted times to show up.
        var probe = Ffprobe.Run(file, ".ismv", "-use_mfra_for", "dts", "-show_packets");

        var packets = probe.GetProperty("packets").EnumerateArray().ToList();
        for (var trackId = 1; trackId <= 3; trackId++)
        {
            var dts = packets.Where(p => p.GetProperty("stream_index").GetInt32() == trackId - 1).Select(p => Seconds(p, "dts_time")).ToList();
            var fragments = original.Fragments.Where(f => f.TrackId == trackId).Select(f => f.Fragment).ToList();
            dts.Count.ShouldBe(fragments.Sum(f => f.Samples.Length));
            var first = 0;
            foreach (var fragment in fragments)
            {
                dts[first].ShouldBe((fragment.Time + Shift) / 1e7, 1e-6, $"track {trackId} fragment at {fragment.Time}");
                first += fragment.Samples.Length;
            }
        }
    }

    /// <summary>Header, each fragment as moof + mdat, then an empty or a full mfra: what push output and archive write.</summary>
    /// <param name="tracks">The header's tracks.</param>
    /// <param name="fragments">The fragments, in the order they are written.</param>
    /// <param name="fullMfra">Whether to end with a full mfra rather than the empty one.</param>
    /// <param name="mfraShift">Added to the times the tfra lists, to tell whether a reader takes its times from there.</param>
    private static byte[] Rewrite(IReadOnlyList<TrackInfo> tracks, List<IngestFragment> fragments, bool fullMfra, long mfraShift = 0)
    {
        var writer = new BoxWriter();
        writer.WriteBytes(SmoothStreamWriter.WriteHeader(tracks));
        var entries = tracks.Select(_ => new List<MfraEntry>()).ToList();
        for (var i = 0; i < fragments.Count; i++)
        {
            var fragment = fragments[i];
            entries[(int)fragment.TrackId - 1].Add(new MfraEntry(fragment.Fragment.Time + mfraShift, writer.Length));
            SmoothStreamWriter.WriteFragmentHeader(writer, fragment.Fragment, fragment.TrackId, (uint)(i + 1));
            writer.WriteBytes(fragment.Fragment.Data.Span);
        }

        if (fullMfra)
        {
            writer.WriteBytes(SmoothStreamWriter.WriteMfra([.. entries.Select((e, i) => new MfraTrack((uint)(i + 1), e))]));
        }
        else
        {
            writer.WriteBytes(SmoothStreamWriter.EmptyMfra);
        }

        return writer.ToArray();
    }

    private static List<TrackInfo> FourTracks() =>
    [
        new()
        {
            Kind = TrackKind.Video,
            Name = "video",
            Bitrate = 200_000,
            FourCC = "H264",
            CodecPrivateData = IsmvCapture.CodecPrivateData(1),
        },
        new()
        {
            Kind = TrackKind.Video,
            Name = "video",
            Bitrate = 100_000,
            FourCC = "H264",
            DecoderConfig = IsmvCapture.AvcC(2),
            Timescale = 90_000,
        },
        new()
        {
            Kind = TrackKind.Audio,
            Name = "audio_fr",
            Bitrate = 96_000,
            FourCC = "AACL",
            CodecPrivateData = "1190", // AAC-LC, 48 kHz, stereo
            Timescale = 48_000,
            Language = "fra",
        },
        new()
        {
            Kind = TrackKind.Text,
            Name = "subs",
            Bitrate = 1_000,
            FourCC = "TTML",
            Language = "eng",
        },
    ];

    private static XElement[] Smil(ReadOnlySpan<byte> box)
    {
        // Box header (8), uuid (16), version and flags (4), then the document.
        var document = XDocument.Parse(Encoding.UTF8.GetString(box[28..]));
        return [.. document.Descendants().Where(e => e.Name.LocalName is "video" or "audio" or "textstream")];
    }

    private static Dictionary<string, string> Params(XElement element) =>
        element.Elements().Where(e => e.Name.LocalName == "param").ToDictionary(e => e.Attribute("name")!.Value, e => e.Attribute("value")!.Value);

    private static double Seconds(JsonElement element, string name) =>
        double.Parse(element.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>
    /// mfra per ISO/IEC 14496-12 8.8.9-8.8.11, written out here independently: tfra is a full box with track_ID, a
    /// 32-bit field whose low 6 bits are the (size - 1) of traf_number, trun_number and sample_number, the entry count,
    /// then entries of time and moof_offset (64-bit in version 1, 32-bit in version 0) and the three numbers; mfro is a
    /// full box holding the size of the whole mfra.
    /// </summary>
    private static (List<(uint TrackId, List<(long, long, long, long, long)> Entries)> Tracks, int MfroSize) ParseMfra(byte[] mfra)
    {
        BinaryPrimitives.ReadUInt32BigEndian(mfra).ShouldBe((uint)mfra.Length);
        Encoding.ASCII.GetString(mfra, 4, 4).ShouldBe("mfra");
        var tracks = new List<(uint, List<(long, long, long, long, long)>)>();
        var mfroSize = -1;
        var position = 8;
        var cursor = 0;
        while (position < mfra.Length)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(mfra.AsSpan(position));
            var type = Encoding.ASCII.GetString(mfra, position + 4, 4);
            var version = mfra[position + 8];
            cursor = position + 12;
            if (type == "tfra")
            {
                mfroSize.ShouldBe(-1, "mfro comes last");
                var trackId = BinaryPrimitives.ReadUInt32BigEndian(mfra.AsSpan(cursor));
                var lengths = BinaryPrimitives.ReadUInt32BigEndian(mfra.AsSpan(cursor + 4));
                var count = BinaryPrimitives.ReadUInt32BigEndian(mfra.AsSpan(cursor + 8));
                cursor += 12;
                var entries = new List<(long, long, long, long, long)>();
                for (var i = 0; i < count; i++)
                {
                    var wide = version == 1 ? 8 : 4;
                    var time = Number(wide);
                    var offset = Number(wide);
                    entries.Add((time, offset, Number((int)((lengths >> 4) & 3) + 1), Number((int)((lengths >> 2) & 3) + 1), Number((int)(lengths & 3) + 1)));
                }

                cursor.ShouldBe(position + size, "tfra entries fill the box");
                tracks.Add((trackId, entries));
            }
            else
            {
                type.ShouldBe("mfro");
                size.ShouldBe(16);
                version.ShouldBe((byte)0);
                mfroSize = (int)BinaryPrimitives.ReadUInt32BigEndian(mfra.AsSpan(cursor));
                (position + size).ShouldBe(mfra.Length, "mfro is the last box");
            }

            position += size;
        }

        return (tracks, mfroSize);

        long Number(int bytes)
        {
            long value = 0;
            for (var i = 0; i < bytes; i++)
            {
                value = (value << 8) | mfra[cursor++];
            }

            return value;
        }
    }
}
