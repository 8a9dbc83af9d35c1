using System.Buffers;
using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Threading.Channels;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Contracts.Tracks;

/// <summary>A track a <see cref="TrackStreamPump"/> sends: its grain key, its info and where to start (exclusive).</summary>
/// <param name="Key">Track grain key.</param>
/// <param name="Info">Codec and naming, for the header boxes.</param>
/// <param name="After">Send fragments starting after this time; <see cref="long.MinValue"/> sends from the oldest held.</param>
public sealed record PumpTrack(string Key, TrackInfo Info, long After);

/// <summary>Why a pump stopped.</summary>
public enum PumpEnd
{
    /// <summary>Every track's stream ended; the empty mfra was written.</summary>
    Ended,

    /// <summary>The session the pump followed is over (a new session, a shutdown): no mfra.</summary>
    SessionOver,
}

/// <summary>
/// Writes tracks of a point as one Smooth push body (header boxes, then moof/mdat as fragments arrive, an mfra when the
/// streams end), reading each track as a stream (<see cref="ITrackGrain.ReadFragmentsAfterAsync"/>). It serves the
/// pull endpoint (all tracks in one response) and push outputs (one POST per track) alike. It reads the index, never
/// the ingest path, so a slow receiver slows only itself.
/// </summary>
public sealed class TrackStreamPump(IGrainFactory grains, IReadOnlyList<PumpTrack> tracks, long sessionEpoch)
{
    private const int BatchSize = 32;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly long[] _lastTimes = [.. tracks.Select(t => t.After)];
    private uint _sequence;

    /// <summary>When set, a track further behind than this many fragments skips to the newest ones and counts the rest in <see cref="Dropped"/>.</summary>
    public int? MaxBacklog { get; init; }

    /// <summary>Called after each fragment is written and flushed, with the track's position in the list.</summary>
    public Action<int, Fragment>? OnWritten { get; init; }

    /// <summary>Fragments written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Fragments skipped because of <see cref="MaxBacklog"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _written;
    private long _dropped;

    /// <summary>The time of the last fragment written of track <paramref name="index"/> (its start value before any).</summary>
    public long LastTime(int index) => Volatile.Read(ref _lastTimes[index]);

    /// <summary>Writes the header, then fragments until the streams end or the session is over; cancellation stops it (throws).</summary>
    public async Task<PumpEnd> RunAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteAsync(SmoothStreamWriter.WriteHeader([.. tracks.Select(t => t.Info)]), cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<(int Index, Fragment Fragment)>(new BoundedChannelOptions(BatchSize) { SingleReader = true });
        var readers = new Task<PumpEnd>[tracks.Count];
        for (var i = 0; i < readers.Length; i++)
        {
            readers[i] = ReadTrackAsync(i, channel.Writer, stop.Token);

            // One failing track (its silo unreachable) ends the whole body at once; the caller reconnects.
            _ = readers[i].ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        var all = Task.WhenAll(readers);
        _ = all.ContinueWith(_ => channel.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var header = new BoxWriter(4096);
        try
        {
            await foreach (var (index, fragment) in channel.Reader.ReadAllAsync(stop.Token))
            {
                header.Reset();
                SmoothStreamWriter.WriteFragmentHeader(header, fragment, (uint)(index + 1), ++_sequence);
                output.Write(header.WrittenSpan);
                output.Write(fragment.Data.Span);
                var flush = await output.FlushAsync(stop.Token);
                Volatile.Write(ref _lastTimes[index], fragment.Time);
                Interlocked.Increment(ref _written);
                OnWritten?.Invoke(index, fragment);
                if (flush.IsCompleted)
                {
                    throw new IOException("The receiver stopped reading.");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A reader failed and cancelled the others: awaiting them below throws its exception.
        }
        finally
        {
            await stop.CancelAsync();
        }

        // Readers ended on their own (the channel completes only then) or one failed, which surfaces here.
        var ends = await all;
        if (ends.Any(e => e == PumpEnd.SessionOver))
        {
            return PumpEnd.SessionOver;
        }

        await output.WriteAsync(SmoothStreamWriter.EmptyMfra.ToArray(), cancellationToken);
        return PumpEnd.Ended;
    }

    private async Task<PumpEnd> ReadTrackAsync(int index, ChannelWriter<(int, Fragment)> output, CancellationToken cancellationToken)
    {
        var track = grains.GetGrain<ITrackGrain>(tracks[index].Key);
        var after = tracks[index].After;
        var first = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = await track.ReadFragmentsAfterAsync(after, MaxBacklog ?? BatchSize, Wait, cancellationToken);
            if (!read.Bound || read.SessionEpoch != sessionEpoch)
            {
                return PumpEnd.SessionOver;
            }

            var fragments = read.Fragments;
            if (first && MaxBacklog is { } backlog && fragments.Length == backlog && !read.Ended)
            {
                // A full batch may hide more behind it: skip to the newest ones rather than replay a long outage.
                fragments = await SkipToNewestAsync(track, fragments, backlog);
            }

            first = false;
            foreach (var fragment in fragments)
            {
                await output.WriteAsync((index, fragment), cancellationToken);
                after = fragment.Time;
            }

            if (read.Ended && fragments.Length == read.Fragments.Length)
            {
                return PumpEnd.Ended;
            }
        }
    }

    private async Task<ImmutableArray<Fragment>> SkipToNewestAsync(ITrackGrain track, ImmutableArray<Fragment> batch, int backlog)
    {
        var kept = new Queue<Fragment>(batch);
        while (true)
        {
            var more = await track.ReadFragmentsAfterAsync(batch[^1].Time, backlog, TimeSpan.Zero);
            if (more.SessionEpoch != sessionEpoch || more.Fragments.IsEmpty)
            {
                return [.. kept];
            }

            foreach (var fragment in more.Fragments)
            {
                kept.Enqueue(fragment);
                if (kept.Count > backlog)
                {
                    kept.Dequeue();
                    Interlocked.Increment(ref _dropped);
                }
            }

            batch = more.Fragments;
            if (more.Fragments.Length < backlog)
            {
                return [.. kept];
            }
        }
    }
}
