using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.Archive;
using Cluster.Media.Model;
using Cluster.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tests.Archive;

public sealed class ArchiveRecorderTests : IDisposable
{
    private const string SessionName = "20250102T030405Z";
    private const string PlaybackPath = "archive/live/event1/" + SessionName;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TemporaryFolder _data = new("archive-test-");

    private string SessionFolder => Path.Combine(_data.Path, "archive", "live", "event1", SessionName);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Record_SessionEnds_WritesOneFinalizedFilePerTrackAndTheIndex()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        var recorder = await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);

        recorder.Folder.ShouldBe(SessionFolder);
        recorder.PlaybackPath.ShouldBe(PlaybackPath);
        Directory.GetFiles(SessionFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(
            [.. capture.Tracks.Select(FileName).Append("archive.json").Append("event1.ism").Append("event1.ismc").Order(StringComparer.Ordinal)]);

        using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(SessionFolder, "archive.json")));
        var root = index.RootElement;
        root.GetProperty("pointPath").GetString().ShouldBe("live/event1");
        root.GetProperty("sessionName").GetString().ShouldBe(SessionName);
        root.GetProperty("finalized").GetBoolean().ShouldBeTrue();
        root.GetProperty("startedAt").GetDateTimeOffset().ShouldBe(ArchiveTestHost.SessionStart);
        var tracks = root.GetProperty("tracks").EnumerateArray().ToList();
        tracks.Count.ShouldBe(capture.Tracks.Count);
        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var info = capture.Tracks[i];
            var track = tracks.Single(t => t.GetProperty("name").GetString() == info.Name && t.GetProperty("bitrate").GetInt32() == info.Bitrate);
            track.GetProperty("duration").GetInt64().ShouldBe(capture.Fragments[i].Sum(f => f.Duration));
            track.GetProperty("fragmentCount").GetInt32().ShouldBe(capture.Fragments[i].Count);
            var file = track.GetProperty("files").EnumerateArray().Single();
            file.GetProperty("name").GetString().ShouldBe(FileName(info));
            file.GetProperty("finalized").GetBoolean().ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Record_SessionEnds_EachFileIsHeaderFragmentsAndAnMfraIndexingEveryMoof()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);

        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var file = await File.ReadAllBytesAsync(Path.Combine(SessionFolder, FileName(capture.Tracks[i])));
            var boxes = Tools.Boxes(file);
            boxes.Sum(b => (long)b.Size).ShouldBe(file.Length);
            boxes.Select(b => b.Type).ShouldBe(
                ["ftyp", "uuid", "moov", .. Enumerable.Repeat(new[] { "moof", "mdat" }, capture.Fragments[i].Count).SelectMany(p => p), "mfra"]);

            var (trackId, entries, mfroSize, mfraSize) = Tools.ReadMfra(file);
            trackId.ShouldBe(1u);
            mfroSize.ShouldBe((uint)mfraSize);
            entries.Select(e => e.Time).ShouldBe(capture.Fragments[i].Select(f => f.Time));
            entries.Select(e => e.MoofOffset).ShouldBe(boxes.Where(b => b.Type == "moof").Select(b => (long)b.Offset));
        }
    }

    [Fact]
    public async Task Record_SessionEnds_FfprobeReadsEachFileWithItsCodecAndDuration()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);

        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var info = capture.Tracks[i];
            var probe = await Tools.ProbeAsync(Path.Combine(SessionFolder, FileName(info)));
            var stream = probe.GetProperty("streams").EnumerateArray().Single();
            stream.GetProperty("codec_name").GetString().ShouldBe(info.Kind == TrackKind.Video ? "h264" : "aac");
            ProbedSeconds(stream, probe).ShouldBe(Seconds(capture.Fragments[i]), FrameSeconds(info, capture.Fragments[i]));
        }
    }

    [Fact]
    public async Task TryLoadAsync_FinalizedSession_ReturnsTheSameFragmentsByteForByte()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);

        var session = await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None);

        session.ShouldNotBeNull();
        session.Finalized.ShouldBeTrue();
        session.EventId.ShouldBeNull();
        session.StartedAt.ShouldBe(ArchiveTestHost.SessionStart);
        ShouldHoldCapture(session, capture);
    }

    [Fact]
    public async Task Record_SessionEnds_WritesVodServerAndClientManifests()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);

        XNamespace smil = "http://www.w3.org/2001/SMIL20/Language";
        var server = XDocument.Load(Path.Combine(SessionFolder, "event1.ism"));
        server.Root!.Element(smil + "head")!.Element(smil + "meta")!.Attribute("content")!.Value.ShouldBe("event1.ismc");
        var media = server.Root.Element(smil + "body")!.Element(smil + "switch")!.Elements().ToList();
        media.Select(m => m.Attribute("src")!.Value).Order(StringComparer.Ordinal).ShouldBe(capture.Tracks.Select(FileName).Order(StringComparer.Ordinal));
        media.Select(m => m.Name.LocalName).Order().ShouldBe(capture.Tracks.Select(t => t.Kind == TrackKind.Video ? "video" : "audio").Order());
        foreach (var element in media)
        {
            var track = capture.Tracks.Single(t => FileName(t) == element.Attribute("src")!.Value);
            element.Attribute("systemBitrate")!.Value.ShouldBe(track.Bitrate.ToString(CultureInfo.InvariantCulture));
            element.Elements(smil + "param").Single(p => p.Attribute("name")!.Value == "trackID").Attribute("value")!.Value.ShouldBe("1");
            element.Elements(smil + "param").Single(p => p.Attribute("name")!.Value == "trackName").Attribute("value")!.Value.ShouldBe(track.Name);
        }

        var client = XDocument.Load(Path.Combine(SessionFolder, "event1.ismc")).Root!;
        client.Attribute("IsLive").ShouldBeNull();
        var video = capture.Fragments[capture.Tracks.ToList().FindIndex(t => t.Kind == TrackKind.Video)];
        var audio = capture.Fragments[capture.Tracks.ToList().FindIndex(t => t.Kind == TrackKind.Audio)];
        var end = Math.Max(video[^1].End, audio[^1].End);
        var start = Math.Min(video[0].Time, audio[0].Time);
        long.Parse(client.Attribute("Duration")!.Value, CultureInfo.InvariantCulture).ShouldBe(end - start);
        var streams = client.Elements("StreamIndex").ToList();
        var videoIndex = streams.Single(s => s.Attribute("Type")!.Value == "video");
        videoIndex.Elements("QualityLevel").Count().ShouldBe(capture.Tracks.Count(t => t.Kind == TrackKind.Video));
        videoIndex.Attribute("Chunks")!.Value.ShouldBe(video.Count.ToString(CultureInfo.InvariantCulture));
        streams.Single(s => s.Attribute("Type")!.Value == "audio").Attribute("Chunks")!.Value.ShouldBe(audio.Count.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Dispose_MidSession_LeavesFilesTheLibraryStillReads()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        var session = ArchiveTestHost.Session(host.Grains, new ArchiveSettings());
        var recorder = host.Recorder(session);
        var keys = await host.AddTracksAsync(recorder, session, capture.Tracks);
        var fed = capture.Take(5);
        await host.FeedAsync(session, keys, fed);
        await EventuallyAsync(async () => await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None) is { } s
            && s.Tracks.Length == capture.Tracks.Count && s.Tracks.All(t => t.Fragments.Length == 5));

        // The process dies: the recorder stops where it is, no mfra, no manifests; then the tail of one file is torn,
        // as when the crash came in the middle of writing a fragment.
        await recorder.DisposeAsync();
        var torn = Path.Combine(SessionFolder, FileName(capture.Tracks[0]));
        var bytes = await File.ReadAllBytesAsync(torn);
        var firstMoof = Tools.Boxes(bytes).First(b => b.Type == "moof");
        await File.AppendAllBytesAsync(torn, bytes.AsSpan(firstMoof.Offset, firstMoof.Size + 20).ToArray());

        File.Exists(Path.Combine(SessionFolder, "event1.ism")).ShouldBeFalse();
        var logged = host.Logs.Lines.Count;
        var loaded = await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None);
        loaded.ShouldNotBeNull();
        loaded.Finalized.ShouldBeFalse();
        ShouldHoldCapture(loaded, new ArchiveCapture(capture.Tracks, fed));
        var intact = capture.Tracks[1];
        var probe = await Tools.ProbeAsync(Path.Combine(SessionFolder, FileName(intact)));
        ProbedSeconds(probe.GetProperty("streams")[0], probe).ShouldBe(Seconds(fed[1]), FrameSeconds(intact, fed[1]), "a file without its mfra plays too");
        host.Logs.Lines.Skip(logged).ShouldContain(l => l.Level == LogLevel.Warning && l.Message.Contains("ends inside a fragment", StringComparison.Ordinal) && l.Message.Contains(torn, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Record_WithSegmentLength_RollsOverIntoCompleteFilesWhoseDurationsAddUp()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings { SegmentLength = TimeSpan.FromSeconds(10) }, capture);

        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var info = capture.Tracks[i];
            var files = Directory.GetFiles(SessionFolder, $"{info.Name}_{info.Bitrate}_*.ismv").Order(StringComparer.Ordinal).ToList();
            files.Select(Path.GetFileName).ShouldBe([.. Enumerable.Range(0, files.Count).Select(n => $"{info.Name}_{info.Bitrate}_{n:D4}.ismv")]);
            files.Count.ShouldBeGreaterThanOrEqualTo(3, "24 seconds in segments of 10");

            var times = new List<long>();
            var probedSeconds = 0.0;
            var remaining = capture.Fragments[i].ToList();
            foreach (var path in files)
            {
                var file = await File.ReadAllBytesAsync(path);
                var (_, entries, _, _) = Tools.ReadMfra(file);
                var inFile = remaining.Take(entries.Count).ToList();
                remaining.RemoveRange(0, entries.Count);
                entries.Select(e => e.Time).ShouldBe(inFile.Select(f => f.Time));
                if (path != files[^1])
                {
                    inFile.Sum(f => f.Duration).ShouldBeGreaterThanOrEqualTo(10 * info.Timescale, "a file is full once it holds a segment");
                    (inFile.Sum(f => f.Duration) - inFile[^1].Duration).ShouldBeLessThan(10 * info.Timescale, "and not before");
                }

                times.AddRange(entries.Select(e => e.Time));
                var probe = await Tools.ProbeAsync(path);
                var stream = probe.GetProperty("streams").EnumerateArray().Single();
                stream.GetProperty("codec_name").GetString().ShouldBe(info.Kind == TrackKind.Video ? "h264" : "aac");
                var seconds = ProbedSeconds(stream, probe);
                seconds.ShouldBe(Seconds(inFile), FrameSeconds(info, inFile), path);
                probedSeconds += seconds;
            }

            remaining.ShouldBeEmpty();
            times.ShouldBe(capture.Fragments[i].Select(f => f.Time));
            probedSeconds.ShouldBe(Seconds(capture.Fragments[i]), files.Count * FrameSeconds(info, capture.Fragments[i]));
        }

        XNamespace smil = "http://www.w3.org/2001/SMIL20/Language";
        var server = XDocument.Load(Path.Combine(SessionFolder, "event1.ism"));
        server.Root!.Element(smil + "body")!.Element(smil + "seq")!.Elements(smil + "switch").Count().ShouldBeGreaterThanOrEqualTo(3);

        var session = await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None);
        session.ShouldNotBeNull();
        ShouldHoldCapture(session, capture);
    }

    [Fact]
    public async Task TryLoadAsync_AfterRestart_FindsSessionsInTheDefaultAndInARememberedFolder()
    {
        var capture = await ArchiveCapture.GetAsync();
        var elsewhere = Path.Combine(_data.Path, "events", "elsewhere");
        await using (var host = new ArchiveTestHost(_data.Path))
        {
            await RecordWholeSessionAsync(host, new ArchiveSettings(), capture);
            await RecordWholeSessionAsync(host, new ArchiveSettings { Folder = "events/elsewhere" }, capture, point: "live/event2");
        }

        await using var restarted = new ArchiveTestHost(_data.Path);

        (await restarted.Library.ListAsync(CancellationToken.None)).ShouldBe([PlaybackPath, "archive/live/event2/" + SessionName]);
        ShouldHoldCapture((await restarted.Library.TryLoadAsync(PlaybackPath, CancellationToken.None)).ShouldNotBeNull(), capture);
        ShouldHoldCapture((await restarted.Library.TryLoadAsync("archive/live/event2/" + SessionName, CancellationToken.None)).ShouldNotBeNull(), capture);
        Directory.Exists(Path.Combine(elsewhere, "live", "event2", SessionName)).ShouldBeTrue();
    }

    [Fact]
    public async Task Record_SameEventTwice_NamesFoldersAfterTheEventWithoutOverwriting()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        var first = await RecordWholeSessionAsync(host, new ArchiveSettings(), capture, eventId: "match 7", epoch: 1, fragments: 1);
        var second = await RecordWholeSessionAsync(host, new ArchiveSettings(), capture, eventId: "match 7", epoch: 2, fragments: 2);

        first.PlaybackPath.ShouldBe("archive/live/event1/match_7");
        second.PlaybackPath.ShouldBe("archive/live/event1/match_7-2");
        var one = await host.Library.TryLoadAsync(first.PlaybackPath!, CancellationToken.None);
        var two = await host.Library.TryLoadAsync(second.PlaybackPath!, CancellationToken.None);
        one.ShouldNotBeNull().EventId.ShouldBe("match 7");
        two.ShouldNotBeNull().EventId.ShouldBe("match 7");
        one.Tracks.ShouldAllBe(t => t.Fragments.Length == 1);
        two.Tracks.ShouldAllBe(t => t.Fragments.Length == 2);
    }

    [Fact]
    public async Task Record_TracksClearedByANewSession_EndsAndFinalizesWhatItRead()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        var session = ArchiveTestHost.Session(host.Grains, new ArchiveSettings());
        var recorder = host.Recorder(session);
        var keys = await host.AddTracksAsync(recorder, session, capture.Tracks);
        await host.FeedAsync(session, keys, capture.Take(3));
        await EventuallyAsync(async () => await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None) is { } s
            && s.Tracks.Length == capture.Tracks.Count && s.Tracks.All(t => t.Fragments.Length == 3));

        foreach (var key in keys)
        {
            await host.Grains.GetGrain<ITrackGrain>(key).ClearAsync(2);
        }

        await recorder.Completion.WaitAsync(Timeout);
        var loaded = await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None);
        loaded.ShouldNotBeNull().Finalized.ShouldBeTrue();
        ShouldHoldCapture(loaded, new ArchiveCapture(capture.Tracks, capture.Take(3)));
        File.Exists(Path.Combine(SessionFolder, "event1.ismc")).ShouldBeTrue();
    }

    [Fact]
    public async Task Record_ArchiveFolderCannotBeCreated_LogsAndIngestGoesOn()
    {
        var capture = await ArchiveCapture.GetAsync();
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "blocked"), "a file where the archive folder should be");
        await using var host = new ArchiveTestHost(_data.Path);
        var session = ArchiveTestHost.Session(host.Grains, new ArchiveSettings { Folder = "blocked" });
        var recorder = host.Recorder(session);
        var keys = await host.AddTracksAsync(recorder, session, capture.Tracks);

        // Every fragment is accepted (FeedAsync checks) while the recorder fails.
        await host.FeedAsync(session, keys, capture.Fragments);
        await host.EndAsync(session, keys);
        await EventuallyAsync(() => Task.FromResult(host.Logs.Lines.Any(l => l.Level == LogLevel.Error && l.Category.EndsWith(nameof(ArchiveRecorder), StringComparison.Ordinal))));

        await recorder.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        (await host.Grains.GetGrain<ITrackGrain>(keys[0]).GetTimelineAsync()).Count.ShouldBe(capture.Fragments[0].Count);
    }

    [Fact]
    public async Task Record_StorageFailsThenRecovers_CatchesUpWithoutLosingAFragment()
    {
        var capture = await ArchiveCapture.GetAsync();
        var blocked = Path.Combine(_data.Path, "blocked");
        await File.WriteAllTextAsync(blocked, "a file where the archive folder should be");
        await using var host = new ArchiveTestHost(_data.Path);
        var session = ArchiveTestHost.Session(host.Grains, new ArchiveSettings { Folder = "blocked" });
        var recorder = host.Recorder(session);
        var keys = await host.AddTracksAsync(recorder, session, capture.Tracks);
        await host.FeedAsync(session, keys, capture.Take(4));
        await EventuallyAsync(() => Task.FromResult(host.Logs.Lines.Any(l => l.Level == LogLevel.Error && l.Message.Contains("write failed", StringComparison.Ordinal))));

        // The operator frees the space; the recorder retries from the last fragment it wrote (none), still held by the tracks.
        File.Delete(blocked);
        await host.FeedAsync(session, keys, [.. capture.Fragments.Select(f => (IReadOnlyList<Fragment>)[.. f.Skip(4)])]);
        await host.EndAsync(session, keys);
        await recorder.Completion.WaitAsync(Timeout);

        var loaded = await host.Library.TryLoadAsync("archive/live/event1/" + SessionName, CancellationToken.None);
        loaded.ShouldNotBeNull().Finalized.ShouldBeTrue();
        ShouldHoldCapture(loaded, capture);
    }

    [Fact]
    public async Task Record_TrackTheFormatCannotHold_StopsThatTrackAndRecordsTheOthers()
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        var session = ArchiveTestHost.Session(host.Grains, new ArchiveSettings());
        var recorder = host.Recorder(session);

        // An H.264 track without its decoder configuration: no sample entry can be written for it.
        var broken = new TrackInfo { Kind = TrackKind.Video, Name = "broken", Bitrate = 1, FourCC = "H264", Width = 160, Height = 90 };
        var keys = await host.AddTracksAsync(recorder, session, [.. capture.Tracks, broken]);
        await host.FeedAsync(session, keys, [.. capture.Fragments, capture.Fragments[0]]);
        await host.EndAsync(session, keys);
        await recorder.Completion.WaitAsync(Timeout);

        host.Logs.Lines.ShouldContain(l => l.Level == LogLevel.Error && l.Message.Contains("cannot archive", StringComparison.Ordinal) && l.Message.Contains("broken", StringComparison.Ordinal));
        var loaded = await host.Library.TryLoadAsync(PlaybackPath, CancellationToken.None);
        loaded.ShouldNotBeNull().Finalized.ShouldBeFalse("one track could not be archived");
        ShouldHoldCapture(loaded, capture);
    }

    [Fact]
    public async Task Create_ArchiveOffOrPointUnderThePlaybackPath_GivesNoRecorder()
    {
        await using var host = new ArchiveTestHost(_data.Path);

        host.Factory.Create(ArchiveTestHost.Session(host.Grains, null)).ShouldBeEmpty();
        host.Factory.Create(ArchiveTestHost.Session(host.Grains, new ArchiveSettings { Enabled = false })).ShouldBeEmpty();
        host.Factory.Create(ArchiveTestHost.Session(host.Grains, new ArchiveSettings(), point: "archive/live/event1/x")).ShouldBeEmpty();
        host.Factory.Create(ArchiveTestHost.Session(host.Grains, new ArchiveSettings())).Count().ShouldBe(1);
    }

    [Theory]
    [InlineData("live/event1")]
    [InlineData("archive/event1")]
    [InlineData("archive/live/event1/nothing")]
    [InlineData("archive/live/../../secret")]
    [InlineData("archive/live/event1")]
    public async Task TryLoadAsync_NoArchivedSession_ReturnsNull(string path)
    {
        var capture = await ArchiveCapture.GetAsync();
        await using var host = new ArchiveTestHost(_data.Path);
        await RecordWholeSessionAsync(host, new ArchiveSettings(), capture, fragments: 1);

        (await host.Library.TryLoadAsync(path, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public void Options_PlaybackPathNotAPointPath_FailValidationAtStart()
    {
        Should.Throw<OptionsValidationException>(() => new ArchiveTestHost(_data.Path, ("Cluster:Archive:PlaybackPath", "arch//ive")))
            .Message.ShouldContain("PlaybackPath");
    }

    /// <summary>Records a session fed with the capture (or its first fragments) until the recorder has finalized it.</summary>
    private static async Task<ArchiveRecorder> RecordWholeSessionAsync(
        ArchiveTestHost host, ArchiveSettings settings, ArchiveCapture capture, string point = "live/event1", string? eventId = null, long epoch = 1, int? fragments = null)
    {
        var session = ArchiveTestHost.Session(host.Grains, settings, point, epoch, eventId);
        var recorder = host.Recorder(session);
        var keys = await host.AddTracksAsync(recorder, session, capture.Tracks);
        await host.FeedAsync(session, keys, fragments is { } count ? capture.Take(count) : capture.Fragments);
        await host.EndAsync(session, keys);
        await recorder.Completion.WaitAsync(Timeout);
        return recorder;
    }

    private static void ShouldHoldCapture(ArchivedSession session, ArchiveCapture capture)
    {
        session.Tracks.Length.ShouldBe(capture.Tracks.Count);
        for (var i = 0; i < capture.Tracks.Count; i++)
        {
            var expected = capture.Tracks[i];
            var track = session.Tracks.Single(t => t.Info.Name == expected.Name && t.Info.Bitrate == expected.Bitrate);
            track.Info.Kind.ShouldBe(expected.Kind);
            track.Info.FourCC.ShouldBe(expected.FourCC);
            track.Info.CodecPrivateData.ShouldBe(expected.CodecPrivateData);
            track.Info.Timescale.ShouldBe(expected.Timescale);
            track.Fragments.Length.ShouldBe(capture.Fragments[i].Count, $"{expected.Name} {expected.Bitrate}");
            for (var f = 0; f < track.Fragments.Length; f++)
            {
                var actual = track.Fragments[f];
                var original = capture.Fragments[i][f];
                actual.Time.ShouldBe(original.Time);
                actual.Duration.ShouldBe(original.Duration);
                actual.Samples.ShouldBe(original.Samples);
                actual.Data.Span.SequenceEqual(original.Data.Span).ShouldBeTrue($"fragment {f} of {expected.Name} {expected.Bitrate}");
            }
        }
    }

    private static string FileName(TrackInfo track) => $"{track.Name}_{track.Bitrate}.ismv";

    private static double Seconds(IEnumerable<Fragment> fragments) => (double)fragments.Sum(f => f.Duration) / 10_000_000;

    /// <summary>One frame (video) or one AAC frame of 1024 samples (audio), in seconds.</summary>
    private static double FrameSeconds(TrackInfo track, IReadOnlyList<Fragment> fragments) =>
        track.Kind == TrackKind.Video ? (double)fragments[0].Samples[0].Duration / track.Timescale : 1024.0 / track.SamplingRate;

    /// <summary>The stream's duration as ffprobe reports it, or the file's when the stream has none.</summary>
    private static double ProbedSeconds(JsonElement stream, JsonElement probe)
    {
        var text = stream.TryGetProperty("duration", out var duration) ? duration.GetString() : probe.GetProperty("format").GetProperty("duration").GetString();
        return double.Parse(text!, CultureInfo.InvariantCulture);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the condition never became true");
            await Task.Delay(50);
        }
    }
}
