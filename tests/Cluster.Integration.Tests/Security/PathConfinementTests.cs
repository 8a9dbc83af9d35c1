using System.Net;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Security;

/// <summary>Every folder a setting names stays inside the node's data folder, however it is spelled.</summary>
public sealed class PathConfinementTests
{
    public static TheoryData<string> Escapes() =>
    [
        "/tmp/evil",
        "../../../../tmp/evil",
        "archive/../../evil",
        "..",
        "./archive",
        "archive/./x",
        "..\\..\\evil",
        "C:\\evil",
        "C:evil",
        "%2e%2e/evil",
        "%2fetc",
        "\uff0e\uff0e/evil",
        "archive\u0000/x",
        "~/evil",
        "archive//x",
        "\\\\server\\share",
        new string('a', 300),
    ];

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Put_ArchiveFolderLeavingTheDataFolder_Answers400AndCreatesNothing(string folder)
    {
        await using var silo = await InProcessSilo.StartAsync();
        var body = System.Text.Json.JsonSerializer.Serialize(new { archive = new { enabled = true, folder } });

        using var response = await AdminSecurityTests.SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/evil", null, body);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Folder");
        using var status = await silo.Http.GetAsync("admin/publishing-points/live/evil");
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("events/day-1")]
    public async Task Put_ArchiveFolderInsideTheDataFolder_IsAccepted(string folder)
    {
        await using var silo = await InProcessSilo.StartAsync();
        var body = System.Text.Json.JsonSerializer.Serialize(new { archive = new { enabled = true, folder } });

        using var response = await AdminSecurityTests.SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/good", null, body);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("admin/publishing-points/%2e%2e/%2e%2e/x")]
    [InlineData("admin/publishing-points/live/%2e%2e")]
    [InlineData("admin/publishing-points/live%2f..%2fx")]
    [InlineData("admin/publishing-points/live/a%00b")]
    [InlineData("admin/publishing-points/live%5c..%5cx")]
    public async Task Put_PointPathEscapes_AreRefused(string path)
    {
        await using var silo = await InProcessSilo.StartAsync();

        using var response = await AdminSecurityTests.SendAsync(silo, HttpMethod.Put, path, null, "{}");

        // System.Uri may resolve some of these before sending (then the route or the path rules refuse what is left).
        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        using var created = await silo.Http.GetAsync("admin/publishing-points/x");
        created.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Directory.EnumerateFileSystemEntries(silo.DataPath, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Start_ConfiguredArchiveFolderOutsideTheDataFolder_RefusesToStart()
    {
        var failure = await Should.ThrowAsync<Exception>(async () =>
            await InProcessSilo.StartAsync("--Cluster:PublishingPoints:Defaults:Archive:Folder=/var/tmp/evil"));

        failure.Message.ShouldContain("is absolute");
    }

    [Fact]
    public async Task Push_ToArchivedPoint_WritesOnlyUnderTheDataFolder()
    {
        await using var silo = await InProcessSilo.StartAsync();
        var dataFolder = silo.DataPath;
        using var put = await AdminSecurityTests.SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/arch", null, """{"archive":{"enabled":true,"folder":"events/arch"}}""");
        put.StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("live/arch.isml/"), realTime: false, seconds: 4)))
        {
            (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, ffmpeg.Log);
        }

        Directory.EnumerateFiles(Path.Combine(dataFolder, "events", "arch", "live", "arch"), "*.ismv", SearchOption.AllDirectories).ShouldNotBeEmpty();
    }
}
