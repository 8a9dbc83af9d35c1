using System.Net;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Testing;

namespace Cluster.Integration.Tests.Smooth;

/// <summary>
/// Seed 001, step 7: the operator adds <c>restartOnEncoderReconnect</c> to IIS's <c>LiveSmoothStream.isml</c> so an
/// encoder that reconnects after the event stopped starts again instead of being refused. The same file, in the
/// node's definitions folder, does the same here; the admin API exports a point as such a file.
/// </summary>
public sealed class IisDefinitionTests
{
    [Fact]
    public async Task DefinitionFile_RestartOnEncoderReconnect_ASecondPushAfterTheEndStartsANewSession()
    {
        using var definitions = new TemporaryFolder();
        await File.WriteAllTextAsync(Path.Combine(definitions.Path, "LiveSmoothStream.isml"), """
            <?xml version="1.0" encoding="utf-8"?>
            <smil xmlns="http://www.w3.org/2001/SMIL20/Language">
              <head>
                <meta name="title" content="" />
                <meta name="module" content="liveSmoothStreaming" />
                <meta name="sourceType" content="Push" />
                <meta name="publishing" content="Fragments;Streams" />
                <meta name="lookaheadChunks" content="2" />
                <meta name="manifestWindowLength" content="0" />
                <meta name="restartOnEncoderReconnect" content="true" />
              </head>
              <body>
              </body>
            </smil>
            """);
        await using var silo = await InProcessSilo.StartAsync(
            $"--Cluster:PublishingPoints:DefinitionsFolder={definitions.Path}", "--Cluster:PublishingPoints:AutoCreate=false");

        (await CapturePush.PushAsync(silo, "LiveSmoothStream.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK, "the file defines the point though auto-create is off");
        (await CapturePush.PushAsync(silo, "LiveSmoothStream.isml/Streams(s)")).ShouldBe(HttpStatusCode.OK, "a Stopped point takes the reconnecting encoder");
        (await silo.Http.GetStringAsync("admin/publishing-points/LiveSmoothStream")).ShouldContain("\"sessionEpoch\":2");

        var exported = await silo.Http.GetAsync("admin/publishing-points/LiveSmoothStream.isml");
        exported.StatusCode.ShouldBe(HttpStatusCode.OK);
        exported.Content.Headers.ContentType!.MediaType.ShouldBe("application/smil+xml");
        var text = await exported.Content.ReadAsStringAsync();
        text.ShouldContain("""<meta name="restartOnEncoderReconnect" content="true" />""");
        text.ShouldContain("""<meta name="manifestWindowLength" content="0" />""");
    }
}
