using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Media;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Feeds a point from a standard Smooth origin (IIS Media Services, Unified Origin, this product) by polling its client
/// manifest (<c>GET {url}/Manifest</c>) about every half fragment and fetching each fragment it lists after the last one
/// held (<c>QualityLevels(b)/Fragments(name=t)</c>, or the stream's own URL pattern), as if it were an encoder
/// connection: the fallback when the upstream has no pull endpoint. Times and boundaries are the upstream's. Retries and
/// failover are <see cref="PullInputBase"/>'s. An HTTP error, an unparsable manifest or fragment, a fragment whose own
/// time disagrees with the manifest, a manifest whose timeline goes back or disagrees with what the point holds, or an
/// upstream with nothing new for longer than the stall timeout is a failure; a fragment enters the index only once it
/// has been read whole and checked. When the manifest stops being live, the point takes what is left and ends its
/// session (Stopped), then waits until the upstream is live with a new timeline.
/// </summary>
/// <remarks>
/// A standard origin names no session. A Stopped point starts a fresh one when the upstream is live again after this
/// input saw it end, or when the upstream's timeline disagrees with the one held (it restarted unseen); otherwise (an
/// operator stopped the point while the upstream went on) it stays stopped, as with <see cref="StreamPullInput"/>.
/// </remarks>
internal sealed partial class ManifestPullInput : PullInputBase
{
    private const int MaxManifestBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(2);
    private readonly ILogger _logger;
    private readonly int _maxFragmentBytes = IngestLimits.Default.MaxFragmentSize;
    private readonly int _maxSamples = IngestLimits.Default.MaxSamplesPerFragment;

    /// <summary>Whether the upstream was seen not live since this point's session began (only the run loop touches it).</summary>
    private bool _upstreamEnded;

    public ManifestPullInput(string pointPath, PullInputSettings settings, IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger logger)
        : base(pointPath, settings, grains, http, timeProvider, logger)
    {
        _logger = logger;
        Start();
    }

    /// <summary>One connection: polls the manifest and takes its new fragments until it ends, changes tracks or fails.</summary>
    protected override async Task<bool> ReadOnceAsync(string url, CancellationToken ct)
    {
        try
        {
            return await FollowAsync(url, ct);
        }
        catch (Exception e) when (e is UpstreamException or MediaFormatException or TimeoutException or HttpRequestException or IOException)
        {
            LogRejected(PointPath, url, e.Message);
            throw;
        }
    }

    private async Task<bool> FollowAsync(string url, CancellationToken ct)
    {
        var point = Grains.GetGrain<IPublishingPointGrain>(PointPath);
        var own = await point.GetStatusAsync();
        var held = (await TimelinesAsync(own, PublishingPointState.Started, PublishingPointState.Stopping, PublishingPointState.Stopped))
            .ToDictionary(p => p.Key, p => p.Value.ToEntries(), StringComparer.Ordinal);
        var manifest = await GetManifestAsync(url, ct);
        var tracks = Tracks(manifest);
        if (tracks.TrueForAll(t => t.Entries.IsEmpty) || own.State == PublishingPointState.Shutdown)
        {
            // Nothing to play upstream yet, or an operator shut this point down: look again later.
            return true;
        }

        string? session;
        var fresh = false;
        if (own.State is PublishingPointState.Started or PublishingPointState.Stopping)
        {
            session = own.SessionId;
        }
        else if (own.State == PublishingPointState.Stopped && !manifest.IsLive)
        {
            _upstreamEnded = true;
            return true;
        }
        else if (own.State == PublishingPointState.Stopped && !IsNewTimeline(tracks, held))
        {
            return true;
        }
        else
        {
            // A fresh session: an Idle point, or a Stopped one whose upstream began anew. Its id is ours to make.
            session = $"manifest:{Guid.NewGuid():N}";
            fresh = true;
            held.Clear();
        }

        var connectionId = NextConnectionId();
        IngestAdmission? admission = null;
        var trackGrains = new Dictionary<string, ITrackGrain>(StringComparer.Ordinal);
        var last = tracks.ToDictionary(t => t.Key, t => held.TryGetValue(t.Key, out var entries) ? entries[^1].Time : long.MinValue, StringComparer.Ordinal);
        Dictionary<string, UpstreamTrack>? previous = null;
        var end = IngestEnd.Lost;
        var progress = false;
        var lastProgress = TimeProvider.GetTimestamp();
        try
        {
            while (true)
            {
                CheckTimeline(url, tracks, held, previous);
                foreach (var (track, entry) in Pending(tracks, last))
                {
                    var fragment = await GetFragmentAsync(url, track, entry, ct);
                    if (fragment is not null)
                    {
                        if (admission is null)
                        {
                            admission = await OpenAsync(point, connectionId, url, session, fresh, tracks, trackGrains);
                            if (admission is null)
                            {
                                return true;
                            }
                        }

                        var result = await trackGrains[track.Key].AddFragmentAsync(admission.SessionEpoch, fragment);
                        if (result == AddFragmentResult.SessionClosed)
                        {
                            return false;
                        }

                        if (result == AddFragmentResult.Added)
                        {
                            CountAdded();
                        }
                    }

                    last[track.Key] = entry.Time;
                    progress = true;
                    lastProgress = TimeProvider.GetTimestamp();
                }

                if (!manifest.IsLive)
                {
                    // The upstream finished and this point holds all it listed: end the session here too.
                    admission ??= await OpenAsync(point, connectionId, url, session, fresh, tracks, trackGrains);
                    if (admission is null)
                    {
                        return true;
                    }

                    end = IngestEnd.EndOfStream;
                    _upstreamEnded = true;
                    LogEnded(PointPath, url);
                    return false;
                }

                var stallTimeout = Max(Settings.StallTimeout, 2 * LastFragmentDuration(tracks));
                if (TimeProvider.GetElapsedTime(lastProgress) > stallTimeout)
                {
                    throw new TimeoutException($"{url} listed nothing new for longer than {stallTimeout.TotalSeconds:0.###} s.");
                }

                await Task.Delay(PollInterval(tracks), TimeProvider, ct);
                var next = await GetManifestAsync(url, ct);
                var nextTracks = Tracks(next);
                if (!nextTracks.Select(t => t.Key).SequenceEqual(tracks.Select(t => t.Key)))
                {
                    // A track joined or left upstream: reconnect with the new list (tracks already held stay).
                    LogTracksChanged(PointPath, url, nextTracks.Count);
                    return false;
                }

                previous = tracks.ToDictionary(t => t.Key, StringComparer.Ordinal);
                manifest = next;
                tracks = nextTracks;
            }
        }
        catch (Exception e) when (progress && e is IOException or HttpRequestException)
        {
            // It worked for a while: make the connection again at once, with a fresh retry budget.
            LastError = e.Message;
            LogBroken(PointPath, url, e.Message);
            return false;
        }
        finally
        {
            if (admission is not null)
            {
                Connected = false;
                await CloseAsync(point, connectionId, end);
            }
        }
    }

    /// <summary>Admits the connection with the manifest's tracks; null when the point is stopped and serving this very session.</summary>
    private async Task<IngestAdmission?> OpenAsync(
        IPublishingPointGrain point, string connectionId, string url, string? session, bool fresh, List<UpstreamTrack> tracks, Dictionary<string, ITrackGrain> trackGrains)
    {
        var opening = new IngestOpening(connectionId, "manifest", null, url, [.. tracks.Select(t => t.Info)]) { UpstreamSessionId = session, FromPullInput = true };
        var admission = await point.OpenIngestAsync(opening, createIfMissing: true);
        if (!admission.Accepted)
        {
            if (admission.StatusCode == StatusCodes409)
            {
                return null;
            }

            throw new UpstreamException($"This point refused {url}'s stream: {admission.StatusCode} {admission.Reason}");
        }

        for (var i = 0; i < tracks.Count; i++)
        {
            trackGrains[tracks[i].Key] = Grains.GetGrain<ITrackGrain>(admission.TrackKeys[i]);
        }

        if (fresh)
        {
            _upstreamEnded = false;
            LogNewSession(PointPath, url, session!);
        }

        Connected = true;
        LogConnected(PointPath, url, tracks.Count);
        return admission;
    }

    private const int StatusCodes409 = 409;

    /// <summary>
    /// Whether a live upstream seen by a Stopped point began a new session: always once it was seen ended (a restarted
    /// encoder often replays the same times and boundaries, so times cannot tell); otherwise (an operator stopped the
    /// point while the upstream went on) only when its timeline disagrees with the one held.
    /// </summary>
    private bool IsNewTimeline(List<UpstreamTrack> tracks, Dictionary<string, TimelineEntry[]> held) =>
        _upstreamEnded || tracks.Exists(t => held.TryGetValue(t.Key, out var entries)
            && (Disagreement(t.Entries, entries) is not null || ResumeIndex(t.Entries, entries[^1].Time) < 0));

    /// <summary>
    /// Throws when a track's timeline disagrees with what the point held when the connection began (a fragment within
    /// that span the point does not have: the upstream restarted, or is another stream), or goes back from the
    /// previous manifest of this connection.
    /// </summary>
    private static void CheckTimeline(string url, List<UpstreamTrack> tracks, Dictionary<string, TimelineEntry[]> held, Dictionary<string, UpstreamTrack>? previous)
    {
        foreach (var track in tracks)
        {
            if (held.TryGetValue(track.Key, out var entries) && Disagreement(track.Entries, entries) is { } time)
            {
                throw new UpstreamException($"{url} lists {track.Key} at {time}, which this point's timeline does not have: the upstream's timeline differs (restarted?).");
            }

            if (previous is not null && previous.TryGetValue(track.Key, out var before) && before.Entries.Length > 0)
            {
                if (track.Entries.Length == 0 || track.Entries[^1].Time < before.Entries[^1].Time)
                {
                    throw new UpstreamException($"{url}'s manifest went back: {track.Key} ended at {before.Entries[^1].Time}, now at {(track.Entries.Length == 0 ? "nothing" : track.Entries[^1].Time)}.");
                }

                if (Disagreement(track.Entries, before.Entries) is { } changed)
                {
                    throw new UpstreamException($"{url}'s manifest rewrote its timeline: {track.Key} now lists {changed}, which it did not before.");
                }
            }
        }
    }

    /// <summary>A time <paramref name="entries"/> lists within the span of <paramref name="known"/> that <paramref name="known"/> lacks, or null.</summary>
    private static long? Disagreement(ImmutableArray<TimelineEntry> entries, IReadOnlyList<TimelineEntry> known)
    {
        if (known.Count == 0)
        {
            return null;
        }

        var first = known[0].Time;
        var last = known[^1].Time;
        foreach (var entry in entries)
        {
            if (entry.Time >= first && entry.Time <= last && !Lists(known, entry.Time))
            {
                return entry.Time;
            }
        }

        return null;
    }

    /// <summary>The fragments to fetch, oldest first across tracks; throws when a track's timeline no longer meets what was taken.</summary>
    private static List<(UpstreamTrack Track, TimelineEntry Entry)> Pending(List<UpstreamTrack> tracks, Dictionary<string, long> last)
    {
        var pending = new List<(UpstreamTrack Track, TimelineEntry Entry)>();
        foreach (var track in tracks)
        {
            var after = last[track.Key];
            var start = ResumeIndex(track.Entries, after);
            if (start < 0)
            {
                throw new UpstreamException($"The manifest lists no {track.Key} fragment at {after}, which this point holds, yet lists fragments around it: the timelines differ.");
            }

            for (var i = start; i < track.Entries.Length; i++)
            {
                pending.Add((track, track.Entries[i]));
            }
        }

        // By presentation time, so every track moves forward together.
        pending.Sort((a, b) => ((double)a.Entry.Time / a.Track.Info.Timescale).CompareTo((double)b.Entry.Time / b.Track.Info.Timescale));
        return pending;
    }

    /// <summary>
    /// Where to resume in <paramref name="entries"/> after a fragment at <paramref name="after"/>: just after the entry
    /// at that time; 0 when all start later (this point fell behind the upstream's window); the end when all start
    /// earlier (the upstream is behind; <see cref="CheckTimeline"/> and the stall timeout judge it); -1 when
    /// <paramref name="after"/> falls between two entries (the timelines differ).
    /// </summary>
    private static int ResumeIndex(ImmutableArray<TimelineEntry> entries, long after)
    {
        if (after == long.MinValue || entries.IsEmpty)
        {
            return 0;
        }

        int lo = 0, hi = entries.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (entries[mid].Time <= after)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        if (lo == 0 || lo == entries.Length)
        {
            return lo;
        }

        // Ingest drops what lies before zero, so a held fragment at 0 is the upstream's one straddling zero (AAC priming).
        var candidate = entries[lo - 1];
        return candidate.Time == after || (after == 0 && candidate.Time < 0 && candidate.End > 0) ? lo : -1;
    }

    private static bool Lists(IReadOnlyList<TimelineEntry> entries, long time)
    {
        int lo = 0, hi = entries.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var t = entries[mid].Time;
            if (t == time)
            {
                return true;
            }

            if (t < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return false;
    }

    private async Task<ClientManifest> GetManifestAsync(string url, CancellationToken ct)
    {
        var uri = new Uri(url.TrimEnd('/') + "/Manifest");
        var body = await GetAsync(uri, MaxManifestBytes, ct);
        if (body is null)
        {
            throw new UpstreamException($"{uri} answered 410 Gone.");
        }

        return ClientManifestReader.Read(body.Value.ToArray());
    }

    /// <summary>Fetches and checks one fragment; null when it left the upstream's window meanwhile or lies wholly before zero.</summary>
    private async Task<Fragment?> GetFragmentAsync(string url, UpstreamTrack track, TimelineEntry entry, CancellationToken ct)
    {
        var uri = new Uri(url.TrimEnd('/') + "/" + track.UrlPattern.Replace(StartTimeToken, entry.Time.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var body = await GetAsync(uri, _maxFragmentBytes, ct);
        if (body is null)
        {
            LogGone(PointPath, uri.ToString());
            return null;
        }

        var response = SmoothFragmentReader.Read(body.Value, entry.Time, _maxSamples);
        if (response.DeclaredTime is { } declared && declared != entry.Time)
        {
            throw new UpstreamException($"{uri} holds the fragment at {declared}, not at {entry.Time} where the manifest lists it.");
        }

        return response.Fragment;
    }

    /// <summary>A GET's whole body (at most <paramref name="limit"/> bytes); null for 410 Gone; throws for any other answer but 200.</summary>
    private async Task<ReadOnlyMemory<byte>?> GetAsync(Uri uri, int limit, CancellationToken ct)
    {
        using var stall = new CancellationTokenSource(Settings.StallTimeout, TimeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, stall.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using var response = await Http.SendAsync(request, timeout.Token);
            if (response.StatusCode == HttpStatusCode.Gone)
            {
                return null;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new UpstreamException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            if (response.Content.Headers.ContentLength > limit)
            {
                throw new UpstreamException($"{uri} answered {response.Content.Headers.ContentLength} bytes, over the limit of {limit}.");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var buffer = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? 64 * 1024, limit));
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new UpstreamException($"{uri} answered more than the limit of {limit} bytes.");
                }

                buffer.Write(chunk, 0, read);
            }

            return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{uri} did not answer within the stall timeout ({Settings.StallTimeout.TotalSeconds:0.###} s).");
        }
    }

    private const string StartTimeToken = "{start time}";

    /// <summary>One track per quality level, in manifest order, each with its stream's timeline and fragment URL pattern.</summary>
    private static List<UpstreamTrack> Tracks(ClientManifest manifest)
    {
        var tracks = new List<UpstreamTrack>();
        foreach (var stream in manifest.Streams)
        {
            var entries = stream.Timeline is ImmutableArray<TimelineEntry> array ? array : [.. stream.Timeline];
            var pattern = NormalizePattern(stream.Url ?? StreamIndexModel.DefaultUrl.Replace("{name}", stream.Name, StringComparison.Ordinal), stream.Name);
            foreach (var level in stream.QualityLevels)
            {
                var info = level with { TrackId = (uint)(tracks.Count + 1) };
                var url = pattern.Replace(BitrateToken, level.Bitrate.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                tracks.Add(new UpstreamTrack(TrackName(info), info, url, entries));
            }
        }

        return tracks;
    }

    private const string BitrateToken = "{bitrate}";

    /// <summary>The URL pattern with its placeholders in one spelling (MS-SSTR allows {Bitrate}/{bitrate} and {start time}/{start_time}).</summary>
    private static string NormalizePattern(string pattern, string stream)
    {
        var normalized = pattern
            .Replace("{bitrate}", BitrateToken, StringComparison.OrdinalIgnoreCase)
            .Replace("{start time}", StartTimeToken, StringComparison.OrdinalIgnoreCase)
            .Replace("{start_time}", StartTimeToken, StringComparison.OrdinalIgnoreCase);
        if (!normalized.Contains(StartTimeToken, StringComparison.Ordinal) || normalized.Contains("://", StringComparison.Ordinal) || normalized.StartsWith('/'))
        {
            throw new MediaFormatException($"StreamIndex '{stream}' has the fragment URL pattern '{pattern}', which is not a relative URL with a {{start time}}.");
        }

        return normalized;
    }

    /// <summary>Half the newest fragment's duration of the shortest-fragment stream (audio and video before text), within 0.5 to 2 s.</summary>
    private static TimeSpan PollInterval(List<UpstreamTrack> tracks)
    {
        var half = LastFragmentDuration(tracks) / 2;
        return half < MinPollInterval ? MinPollInterval : half > MaxPollInterval ? MaxPollInterval : half;
    }

    private static TimeSpan LastFragmentDuration(List<UpstreamTrack> tracks)
    {
        var media = tracks.Where(t => t.Entries.Length > 0 && t.Info.Kind != TrackKind.Text).ToList();
        if (media.Count == 0)
        {
            media = [.. tracks.Where(t => t.Entries.Length > 0)];
        }

        return media.Count == 0
            ? MaxPollInterval
            : media.Min(t => TimeSpan.FromSeconds((double)t.Entries[^1].Duration / t.Info.Timescale));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed record UpstreamTrack(string Key, TrackInfo Info, string UrlPattern, ImmutableArray<TimelineEntry> Entries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: polling {Url}'s manifest ({TrackCount} track(s))")]
    private partial void LogConnected(string point, string url, int trackCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: following {Url} in a new session {Session}")]
    private partial void LogNewSession(string point, string url, string session);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} is no longer live; all it listed is here, ending the session")]
    private partial void LogEnded(string point, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} now lists {TrackCount} track(s); reconnecting")]
    private partial void LogTracksChanged(string point, string url, int trackCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} left the upstream's window before it was fetched; skipped")]
    private partial void LogGone(string point, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: connection to {Url} broke ({Reason}); reconnecting")]
    private partial void LogBroken(string point, string url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: rejected {Url}: {Reason}")]
    private partial void LogRejected(string point, string url, string reason);
}
