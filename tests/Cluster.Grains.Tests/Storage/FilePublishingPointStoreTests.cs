using System.Text.Json;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Storage;
using Cluster.Testing;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tests.Storage;

public sealed class FilePublishingPointStoreTests : PersistentPublishingPointStoreConformanceTests, IDisposable
{
    private readonly TemporaryFolder _data = new("cluster-points-test-");
    private readonly ListLogger<FilePublishingPointStore> _log = new();
    private readonly FilePublishingPointStore _store;

    public FilePublishingPointStoreTests()
    {
        _store = new FilePublishingPointStore(PointsFolder, _log);
    }

    protected override IPublishingPointStore Store => _store;

    private string PointsFolder => Path.Combine(_data.Path, "points");

    public void Dispose() => _data.Dispose();

    protected override IPublishingPointStore Reopen() => new FilePublishingPointStore(PointsFolder, new ListLogger<FilePublishingPointStore>());

    [Fact]
    public async Task SaveAsync_NestedPath_WritesOneIndentedCamelCaseJsonFileInSubfolders()
    {
        await _store.SaveAsync("live/event1", StoredSettings.Full());

        var file = Path.Combine(PointsFolder, "live", "event1.json");
        Directory.EnumerateFileSystemEntries(PointsFolder, "*", SearchOption.AllDirectories).ShouldBe([Path.Combine(PointsFolder, "live"), file], ignoreOrder: true);
        var text = await File.ReadAllTextAsync(file);
        text.ShouldContain("\n  \"dvrWindowLength\": \"01:23:45.6780000\"");
        text.ShouldContain("\"mode\": \"Manifest\"");
        text.ShouldContain("\"pushOutputs\": [");
        using var document = JsonDocument.Parse(text);
        document.RootElement.GetProperty("pullInput").GetProperty("retryDelay").GetString().ShouldBe("00:00:00.2500000");
    }

    [Theory]
    [InlineData("{ \"dvrWindowLength\": \"00:10:00\", \"lookahead")]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{ \"lookaheadCount\": 99 }")]
    [InlineData("{ \"pullInput\": { \"urls\": [], \"mode\": \"Sideways\" } }")]
    public async Task ListAndLoad_CorruptFile_SkippedAndLoggedWithoutException(string content)
    {
        await _store.SaveAsync("live/good", StoredSettings.Full());
        Directory.CreateDirectory(Path.Combine(PointsFolder, "live"));
        await File.WriteAllTextAsync(Path.Combine(PointsFolder, "live", "bad.json"), content);

        var listed = await _store.ListAsync();
        var loaded = await _store.LoadAsync("live/bad");

        listed.ShouldHaveSingleItem().Key.ShouldBe("live/good");
        loaded.ShouldBeNull();
        _log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("live/bad", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task ListAndLoad_HalfWrittenTemporaryFileOfAnInterruptedSave_IgnoredAndTheOldSettingsKept()
    {
        await _store.SaveAsync("live/event1", StoredSettings.Full("old"));
        var half = JsonSerializer.Serialize(new { eventId = "new", lookaheadCount = 3 })[..10];
        await File.WriteAllTextAsync(Path.Combine(PointsFolder, "live", ".event1.json.0123456789abcdef.tmp"), half);

        (await _store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("old"));
        (await _store.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("live/event1");
        _log.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveAsync_ManyTimes_LeavesOnlyThePointsFile()
    {
        for (var i = 0; i < 20; i++)
        {
            await _store.SaveAsync("live/event1", StoredSettings.Full($"take-{i}"));
        }

        await _store.SaveAsync("live/event2", StoredSettings.Full());
        await _store.DeleteAsync("live/event2");

        Directory.GetFiles(PointsFolder, "*", SearchOption.AllDirectories).ShouldBe([Path.Combine(PointsFolder, "live", "event1.json")]);
        (await _store.LoadAsync("live/event1")).ShouldMatch(StoredSettings.Full("take-19"));
    }

    [Fact]
    public async Task SaveAsync_ConcurrentSavesOfOnePath_LeaveOneWholeFile()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => _store.SaveAsync("live/event1", StoredSettings.Full($"take-{i}")))));

        var loaded = await _store.LoadAsync("live/event1");

        loaded.ShouldNotBeNull();
        loaded.EventId.ShouldStartWith("take-");
        Directory.GetFiles(PointsFolder, "*", SearchOption.AllDirectories).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ListAsync_FilesThatAreNoPointPaths_SkippedAndLogged()
    {
        await _store.SaveAsync("live/event1", StoredSettings.Full());
        await File.WriteAllTextAsync(Path.Combine(PointsFolder, "live", "not a point.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(PointsFolder, "live", "notes.txt"), "operator's notes");

        (await _store.ListAsync()).ShouldHaveSingleItem().Key.ShouldBe("live/event1");
        _log.Entries.ShouldHaveSingleItem().Message.ShouldContain("not a point.json");
    }

    [Fact]
    public async Task ListAsync_PointWhosePathStartsWithADot_Listed()
    {
        await _store.SaveAsync(".hidden/event1", StoredSettings.Full());

        (await Reopen().ListAsync()).ShouldHaveSingleItem().Key.ShouldBe(".hidden/event1");
    }

    [Fact]
    public async Task ListAndLoad_FolderNeverCreated_ReturnNothing()
    {
        var store = new FilePublishingPointStore(Path.Combine(_data.Path, "never", "created"), _log);

        (await store.ListAsync()).ShouldBeEmpty();
        (await store.LoadAsync("live/event1")).ShouldBeNull();
        (await store.DeleteAsync("live/event1")).ShouldBeFalse();
        Directory.Exists(Path.Combine(_data.Path, "never")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("live/../../outside")]
    [InlineData("/etc/outside")]
    [InlineData("live\\..\\..\\outside")]
    [InlineData("live//event1")]
    public async Task SaveAsync_PathThatIsNoPointPath_ThrowsAndWritesNothing(string path)
    {
        await Should.ThrowAsync<ArgumentException>(() => _store.SaveAsync(path, StoredSettings.Full()));

        Directory.EnumerateFileSystemEntries(_data.Path, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }
}
