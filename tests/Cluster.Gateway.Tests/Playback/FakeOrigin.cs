using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Gateway.Tests.Playback;

/// <summary>
/// What the test grains answer, set by the test, and how often each was asked: the gateway's only way to the origin is
/// through these grains, so a count that does not move proves an answer came from the gateway itself.
/// </summary>
internal sealed class FakeOrigin
{
    private readonly ConcurrentDictionary<string, PublishingPointStatus> _points = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Point, ManifestFormat Format), ManifestDocument> _manifests = new();
    private readonly ConcurrentDictionary<(string Point, string Track, int Bitrate), ManifestDocument> _playlists = new();
    private readonly ConcurrentDictionary<(string Track, long Time), FragmentRead> _fragments = new();
    private int _statusCalls;
    private int _manifestCalls;
    private int _readCalls;

    public int StatusCalls => Volatile.Read(ref _statusCalls);

    public int ManifestCalls => Volatile.Read(ref _manifestCalls);

    public int ReadCalls => Volatile.Read(ref _readCalls);

    /// <summary>When set, manifest calls wait for it: lets a test hold a call in flight.</summary>
    public TaskCompletionSource? ManifestGate { get; set; }

    public void SetPoint(string point, long epoch) =>
        _points[point] = new PublishingPointStatus(point, true, PublishingPointState.Started, new PublishingPointSettings(), epoch, 1, [], null);

    public void SetManifest(string point, ManifestFormat format, string text, bool live = true) =>
        _manifests[(point, format)] = Document(text, live);

    public void SetPlaylist(string point, string track, int bitrate, string text) =>
        _playlists[(point, track, bitrate)] = Document(text, true);

    public void SetFragment(string trackKey, FragmentRead read) => _fragments[(trackKey, read.Fragment!.Time)] = read;

    public PublishingPointStatus Status(string point)
    {
        Interlocked.Increment(ref _statusCalls);
        return _points.TryGetValue(point, out var status)
            ? status
            : new PublishingPointStatus(point, false, PublishingPointState.Idle, new PublishingPointSettings(), 0, 0, [], null);
    }

    public async Task<ManifestDocument?> ManifestAsync(string point, ManifestFormat format)
    {
        Interlocked.Increment(ref _manifestCalls);
        if (ManifestGate is { } gate)
        {
            await gate.Task;
        }

        return _manifests.TryGetValue((point, format), out var document) ? document : null;
    }

    public ManifestDocument? Playlist(string point, string track, int bitrate)
    {
        Interlocked.Increment(ref _manifestCalls);
        return _playlists.TryGetValue((point, track, bitrate), out var document) ? document : null;
    }

    public FragmentRead Read(string trackKey, long time)
    {
        Interlocked.Increment(ref _readCalls);
        return _fragments.TryGetValue((trackKey, time), out var read)
            ? read
            : new FragmentRead(FragmentReadStatus.NotFound, null, 0, [], 2, false, TrackKind.Video);
    }

    /// <summary>A found fragment of <paramref name="size"/> bytes, all <paramref name="fill"/>, with <paramref name="lookahead"/> of 2 following fragments known.</summary>
    public static FragmentRead Found(long time, int size, byte fill = 1, int lookahead = 2, bool ended = false)
    {
        var data = new byte[size];
        Array.Fill(data, fill);
        var fragment = new Fragment(time, [new Sample(1000, (uint)size, Sample.SyncFlags, 0)], data);
        var following = Enumerable.Range(1, lookahead).Select(i => new TimelineEntry(time + (i * 1000), 1000)).ToImmutableArray();
        return new FragmentRead(FragmentReadStatus.Found, fragment, 1 + (time / 1000), following, 2, ended, TrackKind.Video);
    }

    private static ManifestDocument Document(string text, bool live) =>
        new(Encoding.UTF8.GetBytes(text), "text/xml; charset=utf-8", $"\"{(uint)text.GetHashCode():x8}\"", DateTimeOffset.UnixEpoch, live);
}

/// <summary>A publishing point grain answering from <see cref="FakeOrigin"/>; only the playback calls are implemented.</summary>
internal sealed class FakePointGrain(FakeOrigin origin) : Grain, IPublishingPointGrain
{
    private string PrimaryKey => this.GetPrimaryKeyString();

    public Task<Orleans.Runtime.SiloAddress> GetSiloAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    public Task<PublishingPointStatus> GetStatusAsync() => Task.FromResult(origin.Status(PrimaryKey));

    public Task<ManifestDocument?> GetManifestAsync(ManifestFormat format) => origin.ManifestAsync(PrimaryKey, format);

    public Task<ManifestDocument?> GetMediaPlaylistAsync(string trackName, int bitrate, ManifestFormat format) => Task.FromResult(origin.Playlist(PrimaryKey, trackName, bitrate));

    public Task<PublishingPointStatus> ConfigureAsync(PublishingPointSettings settings) => throw new NotSupportedException();

    public Task<PublishingPointStatus> StartAsync() => throw new NotSupportedException();

    public Task<PublishingPointStatus> StopAsync() => throw new NotSupportedException();

    public Task<PublishingPointStatus> ShutdownAsync() => throw new NotSupportedException();

    public Task RemoveAsync() => throw new NotSupportedException();

    public Task<bool> DemandAsync(TimeSpan wait) => Task.FromResult(true);

    public Task<IngestAdmission> ProbeIngestAsync(string? eventId, bool createIfMissing) => throw new NotSupportedException();

    public Task<IngestAdmission> OpenIngestAsync(IngestOpening opening, bool createIfMissing) => throw new NotSupportedException();

    public Task CloseIngestAsync(string connectionId, IngestEnd end) => throw new NotSupportedException();

    public Task<DateTimeOffset?> ProposeAnchorAsync(long sessionEpoch, DateTimeOffset anchor) => throw new NotSupportedException();
}

/// <summary>A track grain answering reads from <see cref="FakeOrigin"/>; only the playback calls are implemented.</summary>
internal sealed class FakeTrackGrain(FakeOrigin origin) : Grain, ITrackGrain
{
    private string PrimaryKey => this.GetPrimaryKeyString();

    public Task<FragmentRead> ReadFragmentAsync(long time, TimeSpan wait, CancellationToken cancellationToken) => Task.FromResult(origin.Read(PrimaryKey, time));

    public Task<CmafTrackHeader?> GetCmafHeaderAsync() => Task.FromResult<CmafTrackHeader?>(new CmafTrackHeader(TrackKind.Video, [1, 2, 3]));

    public Task<TrackTimeline> GetTimelineAsync() => throw new NotSupportedException();

    public Task<TrackStreamRead> ReadFragmentsAfterAsync(long after, int maxCount, TimeSpan wait, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task SetAnchorAsync(long sessionEpoch, DateTimeOffset anchor) => throw new NotSupportedException();

    public Task<TrackInfo?> GetInfoAsync() => throw new NotSupportedException();

    public Task BindAsync(TrackBinding binding) => throw new NotSupportedException();

    public Task<AddFragmentResult> AddFragmentAsync(long sessionEpoch, Fragment fragment) => throw new NotSupportedException();

    public Task SetEndedAsync(long sessionEpoch, bool ended) => throw new NotSupportedException();

    public Task ClearAsync(long sessionEpoch) => throw new NotSupportedException();
}
