using Cluster.Contracts.PublishingPoints;
using Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tests.PublishingPoints;

/// <summary>
/// IIS publishing point definition files (<c>{name}.isml</c>, SMIL): seed 001 step 7 adds
/// <c>&lt;meta name="restartOnEncoderReconnect" content="true" /&gt;</c> to the file IIS Manager wrote; the meta names and
/// meanings are IIS Media Services' (manifestWindowLength: DVR window in seconds, 0 = the whole event; lookaheadChunks;
/// publishing "Fragments;Streams;Archives"; archiveSegmentLength in seconds).
/// </summary>
public sealed class IisDefinitionFilesTests
{
    /// <summary>A file as IIS Manager writes it, with seed 001's added entry.</summary>
    private const string IisFile = """
        <?xml version="1.0" encoding="utf-8"?>
        <smil xmlns="http://www.w3.org/2001/SMIL20/Language">
          <head>
            <meta name="title" content="" />
            <meta name="module" content="liveSmoothStreaming" />
            <meta name="sourceType" content="Push" />
            <meta name="publishing" content="Fragments;Streams;Archives" />
            <meta name="estimatedTime" content="36000" />
            <meta name="lookaheadChunks" content="3" />
            <meta name="manifestWindowLength" content="7200" />
            <meta name="startOnFirstRequest" content="False" />
            <meta name="archiveSegmentLength" content="600" />
            <meta name="archivePath" content="C:\inetpub\elsewhere" />
            <meta name="restartOnEncoderReconnect" content="true" />
          </head>
          <body>
          </body>
        </smil>
        """;

    [Fact]
    public void Read_IisManagersFile_MapsWhatTheOriginHasAndListsTheRest()
    {
        var settings = IisPublishingPointDefinition.Read(IisFile, new PublishingPointSettings(), out var ignored);

        settings.RestartOnEncoderReconnect.ShouldBeTrue();
        settings.LookaheadCount.ShouldBe(3);
        settings.DvrWindowLength.ShouldBe(TimeSpan.FromHours(2));
        settings.Archive.ShouldNotBeNull().Enabled.ShouldBeTrue();
        settings.Archive.SegmentLength.ShouldBe(TimeSpan.FromMinutes(10));
        settings.Archive.Folder.ShouldBe(new ArchiveSettings().Folder, "archivePath does not choose where the server writes");
        ignored.ShouldBe(["title", "module", "sourceType", "estimatedTime", "startOnFirstRequest", "archivePath"], ignoreOrder: true);
    }

    [Fact]
    public void Read_NoNamespaceNoArchivesZeroWindow_WholeEventAndNoArchive()
    {
        const string Xml = """<smil><head><meta name="publishing" content="Fragments;Streams"/><meta name="manifestWindowLength" content="0"/></head></smil>""";

        var settings = IisPublishingPointDefinition.Read(Xml, new PublishingPointSettings { Archive = new ArchiveSettings() }, out _);

        settings.DvrWindowLength.ShouldBe(TimeSpan.Zero);
        settings.Archive.ShouldBeNull();
        settings.LookaheadCount.ShouldBe(2, "the default, as IIS's");
    }

    [Theory]
    [InlineData("not xml", "XML")]
    [InlineData("<html/>", "smil")]
    [InlineData("""<smil><head><meta name="lookaheadChunks" content="many"/></head></smil>""", "lookaheadChunks")]
    [InlineData("""<smil><head><meta name="lookaheadChunks" content="99"/></head></smil>""", "LookaheadCount")]
    [InlineData("""<smil><head><meta name="restartOnEncoderReconnect" content="yes"/></head></smil>""", "restartOnEncoderReconnect")]
    [InlineData("""<!DOCTYPE smil [<!ENTITY x "y">]><smil/>""", "XML")]
    public void Read_BadDocument_SaysWhy(string xml, string reason) =>
        Should.Throw<FormatException>(() => IisPublishingPointDefinition.Read(xml, new PublishingPointSettings(), out _)).Message.ShouldContain(reason);

    [Fact]
    public void Write_ThenRead_GivesTheSameSettings()
    {
        var settings = new PublishingPointSettings
        {
            DvrWindowLength = TimeSpan.FromMinutes(90),
            LookaheadCount = 4,
            RestartOnEncoderReconnect = true,
            Archive = new ArchiveSettings { SegmentLength = TimeSpan.FromMinutes(5) },
        };

        var written = IisPublishingPointDefinition.Write(settings);

        written.ShouldContain("http://www.w3.org/2001/SMIL20/Language");
        var read = IisPublishingPointDefinition.Read(written, new PublishingPointSettings(), out var ignored);
        read.ShouldBe(settings with { PushOutputs = read.PushOutputs });
        ignored.ShouldBe(["module", "sourceType"], ignoreOrder: true);
    }

    [Fact]
    public async Task DefinitionsFolder_FilesByPath_DefinePointsAndBadOnesAreSkipped()
    {
        using var folder = new TemporaryFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "live"));
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "LiveSmoothStream.isml"), IisFile);
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "live", "event1.isml"), """<smil><head><meta name="lookaheadChunks" content="1"/></head></smil>""");
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "live", "broken.isml"), "<smil><head>");
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "live", "configured.isml"), IisFile);
        await using var host = new GrainHost(
            ("Cluster:PublishingPoints:DefinitionsFolder", folder.Path),
            ("Cluster:PublishingPoints:Points:live/configured:LookaheadCount", "0"));

        var points = host.Services.GetRequiredService<IOptions<PublishingPointOptions>>().Value.Points;
        points.Keys.ShouldBe(["LiveSmoothStream", "live/event1", "live/configured"], ignoreOrder: true);
        points["live/configured"].LookaheadCount.ShouldBe(0, "configuration wins over a file");
        var status = await host.Grains.GetGrain<IPublishingPointGrain>("LiveSmoothStream").GetStatusAsync();
        status.Exists.ShouldBeTrue();
        status.Settings.RestartOnEncoderReconnect.ShouldBeTrue();
        (await host.Grains.GetGrain<IPublishingPointGrain>("live/event1").GetStatusAsync()).Settings.LookaheadCount.ShouldBe(1);
        (await host.Grains.GetGrain<IPublishingPointGrain>("live/broken").GetStatusAsync()).Exists.ShouldBeFalse();
    }
}
