using System.Collections.Immutable;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Media.Tests.Smooth;

/// <summary>mod_smooth_streaming's stream ids (seed 002: "'oceans-400k-64k.ismv' has two streams, the first stream encoded at 400 kbits and the second at 64 kbits").</summary>
public sealed class StreamIdBitratesTests
{
    [Theory]
    [InlineData("oceans-400k-64k.ismv", new[] { 400_000, 64_000 })]
    [InlineData("oceans-200k.ismv", new[] { 200_000 })]
    [InlineData("oceans-200k-64k-400k.ismv", new[] { 200_000, 64_000, 400_000 })]
    [InlineData("Cam-1500K", new[] { 1_500_000 })]
    [InlineData("video", new int[0])]
    [InlineData("k-0k-x1k-12", new int[0])]
    public void Parse_StreamIds_GiveTheBitratesInOrder(string streamId, int[] expected) =>
        StreamIdBitrates.Parse(streamId).ShouldBe(expected);

    [Fact]
    public void Fill_TracksWithoutBitrate_TakeTheirPositionsBitrateAndDeclaredOnesStay()
    {
        ImmutableArray<TrackInfo> tracks =
        [
            new() { Kind = TrackKind.Video, Name = "video", FourCC = "H264", TrackId = 1, Bitrate = 0 },
            new() { Kind = TrackKind.Audio, Name = "audio", FourCC = "AACL", TrackId = 2, Bitrate = 96_000 },
            new() { Kind = TrackKind.Video, Name = "video", FourCC = "H264", TrackId = 3, Bitrate = 0 },
        ];

        var filled = StreamIdBitrates.Fill(tracks, "oceans-400k-64k.ismv");

        filled.Select(t => t.Bitrate).ShouldBe([400_000, 96_000, 0], "the third track's position names no bitrate");
    }
}
