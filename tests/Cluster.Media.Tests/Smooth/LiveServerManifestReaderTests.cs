using System.Text;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Media.Tests.Smooth;

public sealed class LiveServerManifestReaderTests
{
    [Fact]
    public void ReadSmil_TextStreamAndLanguage_Parsed()
    {
        const string Smil = """
            <smil xmlns="http://www.w3.org/2001/SMIL20/Language"><body><switch>
            <audio systemBitrate="96000"><param name="trackID" value="4"/><param name="trackName" value="audio_fr"/>
            <param name="systemLanguage" value="fra"/><param name="FourCC" value="AACL"/></audio>
            <textstream systemBitrate="1000"><param name="trackID" value="5"/><param name="FourCC" value="TTML"/></textstream>
            </switch></body></smil>
            """;

        var tracks = LiveServerManifestReader.ReadSmil(Encoding.UTF8.GetBytes(Smil), 0);

        tracks.Length.ShouldBe(2);
        tracks[0].ShouldSatisfyAllConditions(
            t => t.Kind.ShouldBe(TrackKind.Audio),
            t => t.Name.ShouldBe("audio_fr"),
            t => t.Language.ShouldBe("fra"),
            t => t.TrackId.ShouldBe(4u),
            t => t.Bitrate.ShouldBe(96000));
        tracks[1].Kind.ShouldBe(TrackKind.Text);
        tracks[1].Name.ShouldBe("text");
    }

    [Fact]
    public void ReadSmil_NonNumericBitrate_ThrowsMediaFormatException()
    {
        var error = Should.Throw<MediaFormatException>(() => LiveServerManifestReader.ReadSmil(
            Encoding.UTF8.GetBytes("""<smil><video systemBitrate="fast"/></smil>"""), 24));

        error.Message.ShouldContain("systemBitrate=\"fast\"");
    }

    [Fact]
    public void ReadSmil_ExternalEntity_ThrowsMediaFormatException() =>
        Should.Throw<MediaFormatException>(() => LiveServerManifestReader.ReadSmil(
            Encoding.UTF8.GetBytes("""<!DOCTYPE smil SYSTEM "file:///etc/passwd"><smil/>"""), 0));
}
