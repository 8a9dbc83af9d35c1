using System.Collections.Immutable;
using Cluster.Media.Codecs;
using Cluster.Media.Model;

namespace Cluster.Media.Boxes;

/// <summary>Reads moov: trak (tkhd, mdhd, hdlr, stsd sample entries) and mvex/trex. Everything else is skipped.</summary>
internal static class MovieBoxReader
{

    public static MovieBox Read(ReadOnlySpan<byte> box, long offset, int maxTracks)
    {
        var header = FileTypeBox.ReadHeader(box, offset);
        if (header.Type != FourCC.Moov)
        {
            throw new MediaFormatException($"Expected a moov box at offset {offset}, found '{header.Name}'.");
        }

        uint timescale = 0;
        var tracks = ImmutableArray.CreateBuilder<TrackInfo>();
        var trexes = ImmutableArray.CreateBuilder<TrackExtendsBox>();
        var traks = 0;
        var children = new BoxIterator(box[header.HeaderSize..], offset + header.HeaderSize, FourCC.Moov);
        while (children.MoveNext(out var child, out var childBox))
        {
            var payload = BoxIterator.Payload(child, childBox);
            switch (child.Type)
            {
                case FourCC.Mvhd:
                    timescale = ReadMvhdTimescale(payload, child.Offset);
                    break;
                case FourCC.Trak:
                    if (++traks > maxTracks)
                    {
                        throw new MediaFormatException($"moov at offset {offset} has more than {maxTracks} tracks.");
                    }

                    var track = ReadTrak(payload, child.Offset + child.HeaderSize);
                    if (track is not null)
                    {
                        if (tracks.Any(t => t.TrackId == track.TrackId))
                        {
                            throw new MediaFormatException($"moov at offset {offset} has track id {track.TrackId} twice.");
                        }

                        tracks.Add(track);
                    }

                    break;
                case FourCC.Mvex:
                    ReadMvex(payload, child.Offset + child.HeaderSize, trexes);
                    break;
                default:
                    break;
            }
        }

        return new MovieBox(timescale, tracks.ToImmutable(), trexes.ToImmutable());
    }

    private static uint ReadMvhdTimescale(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Mvhd, offset);
        var (version, _) = reader.ReadFullBoxHeader();
        reader.Skip(version == 1 ? 16 : 8);
        return reader.ReadUInt32();
    }

    private static void ReadMvex(ReadOnlySpan<byte> payload, long offset, ImmutableArray<TrackExtendsBox>.Builder trexes)
    {
        var children = new BoxIterator(payload, offset, FourCC.Mvex);
        while (children.MoveNext(out var child, out var childBox))
        {
            if (child.Type != FourCC.Trex)
            {
                continue;
            }

            trexes.Add(TrackExtendsBox.Read(BoxIterator.Payload(child, childBox), child.Offset));
        }
    }

    private static TrackInfo? ReadTrak(ReadOnlySpan<byte> payload, long offset)
    {
        uint trackId = 0;
        var seenTkhd = false;
        TrackKind? kind = null;
        uint timescale = 0;
        string? language = null;
        var entry = default(SampleEntryInfo);
        var children = new BoxIterator(payload, offset, FourCC.Trak);
        while (children.MoveNext(out var child, out var childBox))
        {
            var childPayload = BoxIterator.Payload(child, childBox);
            if (child.Type == FourCC.Tkhd)
            {
                var reader = new BigEndianReader(childPayload, FourCC.Tkhd, child.Offset);
                var (version, _) = reader.ReadFullBoxHeader();
                reader.Skip(version == 1 ? 16 : 8);
                trackId = reader.ReadUInt32();
                seenTkhd = true;
            }
            else if (child.Type == FourCC.Mdia)
            {
                ReadMdia(childPayload, child.Offset + child.HeaderSize, ref kind, ref timescale, ref language, ref entry);
            }
        }

        if (!seenTkhd)
        {
            throw new MediaFormatException($"trak at offset {offset - 8} has no tkhd.");
        }

        if (kind is null)
        {
            // Hint and metadata tracks carry nothing a player plays.
            return null;
        }

        var name = kind switch
        {
            TrackKind.Video => "video",
            TrackKind.Audio => "audio",
            _ => "text",
        };
        return new TrackInfo
        {
            Kind = kind.Value,
            Name = name,
            Bitrate = (int)Math.Min(entry.Bitrate, int.MaxValue),
            TrackId = trackId,
            Timescale = timescale == 0 ? 10_000_000 : timescale,
            FourCC = entry.FourCC ?? "",
            CodecPrivateData = entry.CodecPrivateData ?? "",
            DecoderConfig = entry.DecoderConfig,
            Width = entry.Width,
            Height = entry.Height,
            DisplayWidth = entry.Width,
            DisplayHeight = entry.Height,
            SamplingRate = entry.SamplingRate,
            Channels = entry.Channels,
            BitsPerSample = entry.BitsPerSample,
            PacketSize = entry.Channels * entry.BitsPerSample / 8,
            AudioTag = entry.FourCC is "AACL" or "AACH" ? 255 : 0,
            Language = language,
        };
    }

    private static void ReadMdia(ReadOnlySpan<byte> payload, long offset, ref TrackKind? kind, ref uint timescale, ref string? language, ref SampleEntryInfo entry)
    {
        var children = new BoxIterator(payload, offset, FourCC.Mdia);
        while (children.MoveNext(out var child, out var childBox))
        {
            var childPayload = BoxIterator.Payload(child, childBox);
            switch (child.Type)
            {
                case FourCC.Mdhd:
                    {
                        var reader = new BigEndianReader(childPayload, FourCC.Mdhd, child.Offset);
                        var (version, _) = reader.ReadFullBoxHeader();
                        reader.Skip(version == 1 ? 16 : 8);
                        timescale = reader.ReadUInt32();
                        reader.Skip(version == 1 ? 8 : 4);
                        language = DecodeLanguage(reader.ReadUInt16());
                        break;
                    }

                case FourCC.Hdlr:
                    {
                        var reader = new BigEndianReader(childPayload, FourCC.Hdlr, child.Offset);
                        reader.ReadFullBoxHeader();
                        reader.Skip(4);
                        kind = reader.ReadUInt32() switch
                        {
                            FourCC.Vide => TrackKind.Video,
                            FourCC.Soun => TrackKind.Audio,
                            FourCC.Text or FourCC.Subt or FourCC.Sbtl => TrackKind.Text,
                            _ => null,
                        };
                        break;
                    }

                case FourCC.Minf:
                    ReadStsdInside(childPayload, child.Offset + child.HeaderSize, FourCC.Minf, ref entry);
                    break;
                default:
                    break;
            }
        }
    }

    private static void ReadStsdInside(ReadOnlySpan<byte> payload, long offset, uint parentType, ref SampleEntryInfo entry)
    {
        var children = new BoxIterator(payload, offset, parentType);
        while (children.MoveNext(out var child, out var childBox))
        {
            var childPayload = BoxIterator.Payload(child, childBox);
            if (child.Type == FourCC.Stbl)
            {
                ReadStsdInside(childPayload, child.Offset + child.HeaderSize, FourCC.Stbl, ref entry);
            }
            else if (child.Type == FourCC.Stsd)
            {
                var reader = new BigEndianReader(childPayload, FourCC.Stsd, child.Offset);
                reader.ReadFullBoxHeader();
                var count = reader.ReadUInt32();
                var entries = new BoxIterator(reader.Rest, child.Offset + child.HeaderSize + 8, FourCC.Stsd);
                if (count > 0 && entries.MoveNext(out var sampleEntry, out var sampleEntryBox))
                {
                    // Smooth tracks have one sample description; the first one describes the track.
                    entry = ReadSampleEntry(sampleEntry, BoxIterator.Payload(sampleEntry, sampleEntryBox));
                }
            }
        }
    }

    private static SampleEntryInfo ReadSampleEntry(BoxHeader header, ReadOnlySpan<byte> payload)
    {
        var reader = new BigEndianReader(payload, header.Type, header.Offset);
        var info = default(SampleEntryInfo);
        switch (header.Type)
        {
            case FourCC.Avc1 or FourCC.Avc3 or FourCC.Hev1 or FourCC.Hvc1:
                reader.Skip(8 + 16);
                info.Width = reader.ReadUInt16();
                info.Height = reader.ReadUInt16();
                reader.Skip(50);
                info.FourCC = header.Type is FourCC.Avc1 or FourCC.Avc3 ? "H264" : "HEVC";
                break;
            case FourCC.Mp4a:
                {
                    reader.Skip(8);
                    var soundVersion = reader.ReadUInt16();
                    reader.Skip(6);
                    info.Channels = reader.ReadUInt16();
                    info.BitsPerSample = reader.ReadUInt16();
                    reader.Skip(4);
                    info.SamplingRate = (int)(reader.ReadUInt32() >> 16);

                    // QuickTime sound sample description versions 1 and 2 append fields before the child boxes.
                    reader.Skip(soundVersion switch { 1 => 16, 2 => 36, _ => 0 });
                    info.FourCC = "AACL";
                    break;
                }

            default:
                info.FourCC = FourCC.ToString(header.Type).ToUpperInvariant();
                return info;
        }

        var children = new BoxIterator(reader.Rest, header.Offset + header.HeaderSize + reader.Position, header.Type);
        while (children.MoveNext(out var child, out var childBox))
        {
            var childPayload = BoxIterator.Payload(child, childBox);
            switch (child.Type)
            {
                case FourCC.AvcC when info.FourCC == "H264":
                    info.DecoderConfig = childPayload.ToArray();
                    info.CodecPrivateData = CodecPrivateData.FromAvcDecoderConfiguration(childPayload);
                    break;
                case FourCC.HvcC when info.FourCC == "HEVC":
                    info.DecoderConfig = childPayload.ToArray();
                    info.CodecPrivateData = CodecPrivateData.FromHevcDecoderConfiguration(childPayload);
                    break;
                case FourCC.Esds:
                    {
                        var esds = EsdsReader.Read(childPayload[4..], child.Offset);
                        if (info.Bitrate == 0)
                        {
                            info.Bitrate = esds.AverageBitrate;
                        }

                        if (!esds.DecoderSpecificInfo.IsEmpty)
                        {
                            info.DecoderConfig = esds.DecoderSpecificInfo;
                            info.CodecPrivateData = CodecPrivateData.FromAudioSpecificConfig(esds.DecoderSpecificInfo.Span);

                            // Audio object types 5 (SBR) and 29 (PS) are HE-AAC, which Smooth names AACH.
                            var objectType = esds.DecoderSpecificInfo.Span[0] >> 3;
                            if (objectType is 5 or 29)
                            {
                                info.FourCC = "AACH";
                            }
                        }

                        break;
                    }

                case FourCC.Btrt:
                    {
                        var btrt = new BigEndianReader(childPayload, FourCC.Btrt, child.Offset);
                        btrt.Skip(8);
                        info.Bitrate = btrt.ReadUInt32();
                        break;
                    }

                default:
                    break;
            }
        }

        return info;
    }

    private static string? DecodeLanguage(ushort packed)
    {
        if (packed == 0 || packed == 0x7FFF)
        {
            return null;
        }

        Span<char> chars = stackalloc char[3];
        for (var i = 0; i < 3; i++)
        {
            var c = ((packed >> (10 - (5 * i))) & 0x1F) + 0x60;
            if (c is < 'a' or > 'z')
            {
                return null;
            }

            chars[i] = (char)c;
        }

        var language = new string(chars);

        // "und" means nobody said which language; players should see no language rather than a fake one.
        return language == "und" ? null : language;
    }

    private struct SampleEntryInfo
    {
        public string? FourCC;
        public string? CodecPrivateData;
        public ReadOnlyMemory<byte> DecoderConfig;
        public int Width;
        public int Height;
        public int SamplingRate;
        public int Channels;
        public int BitsPerSample;
        public uint Bitrate;
    }
}
