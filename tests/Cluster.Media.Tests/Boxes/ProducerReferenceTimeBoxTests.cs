using Cluster.Media.Boxes;

namespace Cluster.Media.Tests.Boxes;

/// <summary>prft (ISO/IEC 14496-12 8.16.5): an NTP timestamp (seconds since 1900, 32.32 fixed point) for a media time.</summary>
public sealed class ProducerReferenceTimeBoxTests
{
    [Fact]
    public void Write_ThenRead_SameBoxAndItsAnchor()
    {
        // 2026-12-03T10:00:00.5Z is 3,973,658,400.5 s after 1900-01-01; media time 9 s at 90 kHz.
        var seconds = (ulong)(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero) - new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalSeconds;
        var box = new ProducerReferenceTimeBox(1, (seconds << 32) | 0x80000000, 9 * 90_000);
        var writer = new BoxWriter(64);
        box.Write(writer);
        var bytes = writer.ToArray();

        bytes.Length.ShouldBe(8 + 4 + 4 + 8 + 8, "header, version and flags, track id, 64-bit NTP, 64-bit media time (version 1)");
        var read = ProducerReferenceTimeBox.Read(bytes.AsSpan(8), 0);
        read.ShouldBe(box);
        read.Utc.ShouldBe(new DateTimeOffset(2026, 12, 3, 10, 0, 0, 500, TimeSpan.Zero));
        read.AnchorFor(90_000).ShouldBe(new DateTimeOffset(2026, 12, 3, 9, 59, 51, 500, TimeSpan.Zero));
    }

    [Fact]
    public void Read_Version0_Has32BitMediaTime()
    {
        byte[] payload = [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 10];

        var read = ProducerReferenceTimeBox.Read(payload, 0);

        read.ReferenceTrackId.ShouldBe(2u);
        read.NtpTimestamp.ShouldBe(1UL << 32);
        read.MediaTime.ShouldBe(10);
    }
}
