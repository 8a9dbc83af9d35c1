using System.Buffers;
using System.Collections.Immutable;
using System.IO.Pipelines;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Reads one Smooth Streaming push body (MS-SSTR live ingest: ftyp, live server manifest uuid, moov, then moof/mdat
/// pairs, optionally an mfra at the end) incrementally from a pipe. Small boxes are buffered in the pipe until complete;
/// an mdat is streamed straight into exactly-sized arrays for its fragments, so each media byte is copied once and the
/// pipe never has to hold a whole mdat. Bad input ends in a <see cref="MediaFormatException"/>.
/// </summary>
public sealed class SmoothIngestReader
{
    private readonly PipeReader _reader;
    private readonly IngestLimits _limits;
    private readonly Dictionary<uint, long> _trackEnds = [];
    private readonly Queue<IngestFragment> _pending = new();
    private MovieBox? _movie;
    private ImmutableArray<TrackInfo> _tracks;
    private bool _ended;

    /// <summary>Creates a reader over a request body.</summary>
    public SmoothIngestReader(PipeReader reader, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _reader = reader;
        _limits = limits;
    }

    /// <summary>Whether the body ended with an mfra box (the encoder's clean end of stream).</summary>
    public bool EndedWithMfra { get; private set; }

    /// <summary>Bytes of the body consumed so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Reads ftyp, the optional live server manifest and the moov; free, skip and unknown boxes before the moov are skipped.</summary>
    public async ValueTask<IngestHeader> ReadHeaderAsync(CancellationToken ct)
    {
        if (_movie is not null)
        {
            throw new InvalidOperationException("The header has already been read.");
        }

        ReadOnlyMemory<byte> ftyp = default;
        ReadOnlyMemory<byte> manifest = default;
        var smilTracks = ImmutableArray<TrackInfo>.Empty;
        while (true)
        {
            // The order is checked before the size limit so that a fragment arriving first is reported as such.
            var header = await PeekHeaderAsync(long.MaxValue, allowToEnd: false, ct).ConfigureAwait(false)
                ?? throw new MediaFormatException($"The body ended after {BytesRead} bytes, before a moov box.");
            if (header.Type is FourCC.Moof or FourCC.Mdat or FourCC.Mfra)
            {
                throw new MediaFormatException($"Box '{header.Name}' at offset {header.Offset} comes before the moov.");
            }

            if (header.Size > _limits.MaxHeaderBoxSize)
            {
                throw new MediaFormatException($"Box '{header.Name}' at offset {header.Offset} declares size {header.Size}, over the limit of {_limits.MaxHeaderBoxSize} bytes for header boxes.");
            }

            switch (header.Type)
            {
                case FourCC.Ftyp:
                    if (!ftyp.IsEmpty)
                    {
                        throw new MediaFormatException($"Second ftyp box at offset {header.Offset}.");
                    }

                    ftyp = await ReadWholeBoxAsync(header, ct).ConfigureAwait(false);
                    FileTypeBox.Read(ftyp.Span, header.Offset);
                    break;
                case FourCC.Uuid when header.ExtendedType == SmoothUuids.LiveServerManifest:
                    if (!manifest.IsEmpty)
                    {
                        throw new MediaFormatException($"Second live server manifest box at offset {header.Offset}.");
                    }

                    manifest = await ReadWholeBoxAsync(header, ct).ConfigureAwait(false);
                    smilTracks = LiveServerManifestReader.Read(manifest.Span, header.Offset, _limits.MaxTracks);
                    break;
                case FourCC.Moov:
                    {
                        var moov = await ReadWholeBoxAsync(header, ct).ConfigureAwait(false);
                        var movie = MovieBox.Read(moov.Span, header.Offset, _limits.MaxTracks);
                        if (movie.Tracks.IsEmpty)
                        {
                            throw new MediaFormatException($"moov at offset {header.Offset} has no audio, video or text track.");
                        }

                        _tracks = TrackInfoMerger.Merge(movie.Tracks, smilTracks);
                        _movie = movie;
                        return new IngestHeader(_tracks, ftyp, manifest, moov);
                    }

                default:
                    await SkipBoxAsync(header, ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// Reads the next track fragment; null at an mfra or at the clean end of the body. A moof with several trafs yields
    /// one fragment per traf, in order.
    /// </summary>
    public async ValueTask<IngestFragment?> ReadFragmentAsync(CancellationToken ct)
    {
        if (_movie is null)
        {
            throw new InvalidOperationException("Read the header first.");
        }

        while (_pending.Count == 0)
        {
            if (_ended)
            {
                return null;
            }

            var header = await PeekHeaderAsync(_limits.MaxFragmentSize, allowToEnd: true, ct).ConfigureAwait(false);
            if (header is null)
            {
                _ended = true;
                return null;
            }

            var box = header.Value;
            if (box.ExtendsToEnd && box.Type != FourCC.Mdat)
            {
                throw new MediaFormatException($"Box '{box.Name}' at offset {box.Offset} has size 0 (to end of file), which only an mdat may have.");
            }

            switch (box.Type)
            {
                case FourCC.Moof:
                    await ReadMoofAndMdatAsync(box, ct).ConfigureAwait(false);
                    break;
                case FourCC.Mdat:
                    throw new MediaFormatException($"mdat at offset {box.Offset} does not follow a moof.");
                case FourCC.Mfra:
                    if (box.Size > _limits.MaxHeaderBoxSize)
                    {
                        throw new MediaFormatException($"mfra at offset {box.Offset} declares size {box.Size}, over the limit of {_limits.MaxHeaderBoxSize} bytes.");
                    }

                    await SkipBoxAsync(box, ct).ConfigureAwait(false);
                    EndedWithMfra = true;
                    _ended = true;
                    return null;
                case FourCC.Moov or FourCC.Ftyp:
                    throw new MediaFormatException($"Box '{box.Name}' at offset {box.Offset} comes after the header; a new header needs a new request.");
                default:
                    await SkipBoxAsync(box, ct).ConfigureAwait(false);
                    break;
            }
        }

        return _pending.Dequeue();
    }

    private async ValueTask ReadMoofAndMdatAsync(BoxHeader moofHeader, CancellationToken ct)
    {
        var moofBytes = await ReadWholeBoxAsync(moofHeader, ct).ConfigureAwait(false);
        var moof = MovieFragmentBox.Read(moofBytes.Span, moofHeader.Offset, _limits.MaxSamplesPerFragment);

        var mdat = await PeekHeaderAsync(_limits.MaxFragmentSize - moofHeader.Size, allowToEnd: true, ct).ConfigureAwait(false)
            ?? throw new MediaFormatException($"moof at offset {moofHeader.Offset} is not followed by an mdat: the body ended.");
        if (mdat.Type != FourCC.Mdat)
        {
            throw new MediaFormatException($"moof at offset {moofHeader.Offset} is followed by '{mdat.Name}' at offset {mdat.Offset} instead of an mdat.");
        }

        var plans = FragmentPlanner.Plan(moof, moofHeader.Offset, mdat, _movie!, _trackEnds, _limits.MaxFragmentSize - moofHeader.Size);

        await ConsumeAsync(mdat.HeaderSize, ct).ConfigureAwait(false);
        await StreamPayloadAsync(mdat, plans, ct).ConfigureAwait(false);

        foreach (var plan in plans)
        {
            if (plan.Samples.Length > 0)
            {
                _pending.Enqueue(new IngestFragment(plan.TrackId, moof.SequenceNumber, new Fragment(plan.Time, plan.Samples, plan.Data)));
            }
        }
    }

    /// <summary>Copies the mdat payload into the fragments' arrays as it arrives, consuming it from the pipe as it goes.</summary>
    private async ValueTask StreamPayloadAsync(BoxHeader mdat, List<FragmentPlan> plans, CancellationToken ct)
    {
        var position = mdat.Offset + mdat.HeaderSize;
        var end = mdat.ExtendsToEnd ? long.MaxValue : mdat.Offset + mdat.Size;
        while (position < end)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                _reader.AdvanceTo(buffer.Start);
                if (mdat.ExtendsToEnd)
                {
                    break;
                }

                throw new MediaFormatException(
                    $"The body ended inside the mdat at offset {mdat.Offset}: {position - mdat.Offset} of {mdat.Size} bytes arrived.");
            }

            var chunk = buffer.Slice(0, Math.Min(buffer.Length, end - position));
            foreach (var plan in plans)
            {
                plan.CopyFrom(chunk, position);
            }

            position += chunk.Length;
            BytesRead += chunk.Length;
            _reader.AdvanceTo(chunk.End);
            if (mdat.ExtendsToEnd && position - mdat.Offset > _limits.MaxFragmentSize)
            {
                throw new MediaFormatException($"The mdat at offset {mdat.Offset} runs to the end of the body and is over the limit of {_limits.MaxFragmentSize} bytes.");
            }
        }

        foreach (var plan in plans)
        {
            if (plan.DataEnd > position)
            {
                throw new MediaFormatException(
                    $"Samples of track {plan.TrackId} reach offset {plan.DataEnd}, past the end of the mdat at offset {mdat.Offset} ({position}).");
            }
        }
    }

    /// <summary>Looks at the next box header without consuming it; null at the clean end of the body.</summary>
    private async ValueTask<BoxHeader?> PeekHeaderAsync(long maxSize, bool allowToEnd, CancellationToken ct)
    {
        var need = 8;
        while (true)
        {
            var result = await _reader.ReadAtLeastAsync(need, ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (buffer.Length < need)
                {
                    if (buffer.IsEmpty)
                    {
                        return null;
                    }

                    throw new MediaFormatException($"The body ends with {buffer.Length} bytes at offset {BytesRead}, too few for a box header.");
                }

                if (BoxReader.TryReadHeader(buffer, BytesRead, maxSize, allowToEnd, out var header))
                {
                    return header;
                }

                need = (int)Math.Min(buffer.Length + 8, BoxReader.MaxHeaderSize);
            }
            finally
            {
                _reader.AdvanceTo(buffer.Start);
            }
        }
    }

    /// <summary>Reads a whole box (already peeked) into its own array and consumes it.</summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadWholeBoxAsync(BoxHeader header, CancellationToken ct)
    {
        // Peeking checked the size against a limit that fits in an int.
        var size = (int)header.Size;
        var result = await _reader.ReadAtLeastAsync(size, ct).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.Length < size)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
            throw new MediaFormatException($"The body ended inside box '{header.Name}' at offset {header.Offset}: {buffer.Length} of {size} bytes arrived.");
        }

        var bytes = buffer.Slice(0, size).ToArray();
        _reader.AdvanceTo(buffer.GetPosition(size));
        BytesRead += size;
        return bytes;
    }

    private async ValueTask SkipBoxAsync(BoxHeader header, CancellationToken ct)
    {
        try
        {
            await ConsumeAsync(header.Size, ct).ConfigureAwait(false);
        }
        catch (MediaFormatException)
        {
            throw new MediaFormatException($"The body ended inside box '{header.Name}' at offset {header.Offset}.");
        }
    }

    private async ValueTask ConsumeAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = Math.Min(buffer.Length, count);
            _reader.AdvanceTo(buffer.GetPosition(take));
            BytesRead += take;
            count -= take;
            if (count > 0 && result.IsCompleted && take == buffer.Length)
            {
                throw new MediaFormatException($"The body ended at offset {BytesRead}, {count} bytes short of the end of a box.");
            }
        }
    }
}
