using System.Collections.Immutable;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Archive;

/// <summary>
/// Appends one track's fragments to its archive files (<c>{name}_{bitrate}.ismv</c>, or <c>{name}_{bitrate}_{n:D4}.ismv</c>
/// with rollover): the Smooth header once per file, then one moof+mdat per fragment, each handed to the operating
/// system (and, with <see cref="ArchiveOptions.FlushToDisk"/>, to the disk) before the next fragment is read, so a crash
/// loses at most the fragment being written. A file is finished with its mfra (tfra with each moof's offset).
/// Used by one loop at a time; <see cref="Snapshot"/> may be called from others.
/// </summary>
internal sealed class ArchiveTrackWriter : IDisposable
{
    /// <summary>Each archive file holds one track, so its track_ID is 1.</summary>
    private const uint FileTrackId = 1;

    private readonly string _folder;
    private readonly TrackInfo _info;
    private readonly long _segmentLength;
    private readonly bool _flushToDisk;
    private readonly string _baseName;
    private readonly BoxWriter _fragmentHeader = new(1024);
    private readonly List<MfraEntry> _entries = [];
    private readonly Lock _gate = new();
    private readonly List<FileState> _files = [];
    private readonly List<TimelineEntry> _timeline = [];
    private byte[]? _header;
    private FileStream? _stream;
    private FileState? _current;
    private uint _sequence;
    private int _nextIndex;

    /// <param name="folder">The session folder (must exist).</param>
    /// <param name="info">The track.</param>
    /// <param name="segmentLength">Media per file before a new one starts; <see cref="TimeSpan.Zero"/> for one file.</param>
    /// <param name="flushToDisk">Whether each fragment is forced to the disk.</param>
    public ArchiveTrackWriter(string folder, TrackInfo info, TimeSpan segmentLength, bool flushToDisk)
    {
        _folder = folder;
        _info = info;
        _segmentLength = (long)((Int128)segmentLength.Ticks * info.Timescale / TimeSpan.TicksPerSecond);
        _flushToDisk = flushToDisk;
        _baseName = $"{SafeName(info.Name)}_{info.Bitrate}";
    }

    /// <summary>The track.</summary>
    public TrackInfo Info => _info;

    /// <summary>
    /// Appends <paramref name="fragment"/>, first finishing the current file when it holds a segment's worth and opening a
    /// new one when there is none. Returns whether a file was opened. On failure the file is cut back to its last whole
    /// fragment (or, when even that fails, left as it is and a new file is used next time) and the error is thrown.
    /// </summary>
    public bool Append(Fragment fragment)
    {
        if (_current is not null && _segmentLength > 0 && _current.Duration >= _segmentLength)
        {
            CloseCurrent(finalize: true);
        }

        var opened = false;
        if (_stream is null)
        {
            Open();
            opened = true;
        }

        var stream = _stream!;
        var offset = stream.Position;
        _fragmentHeader.Reset();
        SmoothStreamWriter.WriteFragmentHeader(_fragmentHeader, fragment, FileTrackId, _sequence + 1);
        try
        {
            stream.Write(_fragmentHeader.WrittenSpan);
            stream.Write(fragment.Data.Span);
            Flush(stream);
        }
        catch
        {
            CutBack(offset);
            throw;
        }

        _sequence++;
        _entries.Add(new MfraEntry(fragment.Time, offset));
        lock (_gate)
        {
            var current = _current!;
            if (current.FragmentCount == 0)
            {
                current.Start = fragment.Time;
            }

            current.FragmentCount++;
            current.Duration += fragment.Duration;
            _timeline.Add(new TimelineEntry(fragment.Time, fragment.Duration));
        }

        return opened;
    }

    /// <summary>Finishes the current file with its mfra and closes it.</summary>
    public void Finish() => CloseCurrent(finalize: true);

    /// <summary>What has been written so far; <paramref name="withTimeline"/> adds every fragment's time and duration.</summary>
    public TrackArchive Snapshot(bool withTimeline)
    {
        lock (_gate)
        {
            return new TrackArchive(
                _info,
                [.. _files.Select(f => new ArchiveIndexFile { Name = f.Name, Start = f.Start, Duration = f.Duration, FragmentCount = f.FragmentCount, Finalized = f.Finalized })],
                withTimeline ? [.. _timeline] : []);
        }
    }

    /// <summary>Closes the current file as it is, without an mfra (still readable: every whole fragment in it is).</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        _current = null;
    }

    /// <summary>A track name as a file name: anything but letters, digits, '-', '_' and '.' becomes '_'.</summary>
    internal static string SafeName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '-' or '_' or '.'))
            {
                chars[i] = '_';
            }
        }

        var safe = new string(chars);
        return safe.Length == 0 || safe.Trim('.').Length == 0 ? "track" : safe;
    }

    private void Open()
    {
        // Written once per writer: a codec setup that cannot be written fails here, before any file exists.
        _header ??= SmoothStreamWriter.WriteHeader([_info]);
        Directory.CreateDirectory(_folder);
        var index = _nextIndex;
        string name, path;
        while (true)
        {
            name = _segmentLength > 0 || index > 0 ? $"{_baseName}_{index:D4}.ismv" : $"{_baseName}.ismv";
            path = Path.Combine(_folder, name);
            if (!File.Exists(path))
            {
                break;
            }

            index++;
        }

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,

            // Unbuffered: every Write is a write(2), so what was written is the operating system's even if this process dies.
            BufferSize = 0,
        });
        try
        {
            stream.Write(_header);
            Flush(stream);
        }
        catch
        {
            stream.Dispose();
            TryDelete(path);
            throw;
        }

        _stream = stream;
        _nextIndex = index + 1;
        _sequence = 0;
        _entries.Clear();
        _current = new FileState(name);
        lock (_gate)
        {
            _files.Add(_current);
        }
    }

    private void CloseCurrent(bool finalize)
    {
        var stream = _stream;
        if (stream is null)
        {
            return;
        }

        _stream = null;
        var current = _current!;
        _current = null;
        using (stream)
        {
            if (!finalize)
            {
                return;
            }

            var end = stream.Position;
            try
            {
                stream.Write(SmoothStreamWriter.WriteMfra([new MfraTrack(FileTrackId, _entries)]));
                Flush(stream);
            }
            catch
            {
                // A torn mfra would only cost readers a warning, but a clean end is better.
                TrySetLength(stream, end);
                throw;
            }

            lock (_gate)
            {
                current.Finalized = true;
            }
        }
    }

    /// <summary>Removes a partly written fragment; when that fails too, the file is left as it is and the next fragment opens a new one.</summary>
    private void CutBack(long offset)
    {
        if (!TrySetLength(_stream!, offset))
        {
            _stream!.Dispose();
            _stream = null;
            _current = null;
        }
    }

    private void Flush(FileStream stream)
    {
        if (_flushToDisk)
        {
            stream.Flush(flushToDisk: true);
        }
    }

    private static bool TrySetLength(FileStream stream, long length)
    {
        try
        {
            stream.SetLength(length);
            stream.Position = length;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a header without fragments is left: readers skip it.
        }
    }

    private sealed class FileState(string name)
    {
        public string Name { get; } = name;

        public long Start { get; set; }

        public long Duration { get; set; }

        public int FragmentCount { get; set; }

        public bool Finalized { get; set; }
    }
}

/// <summary>What one track's writer has written.</summary>
/// <param name="Info">The track.</param>
/// <param name="Files">Its files, in order.</param>
/// <param name="Timeline">Every fragment's time and duration, when asked for.</param>
internal sealed record TrackArchive(TrackInfo Info, ImmutableArray<ArchiveIndexFile> Files, ImmutableArray<TimelineEntry> Timeline)
{
    /// <summary>Fragments over all files.</summary>
    public int FragmentCount => Files.Sum(f => f.FragmentCount);

    /// <summary>Sum of the fragment durations over all files, in the track's timescale.</summary>
    public long Duration => Files.Sum(f => f.Duration);
}
