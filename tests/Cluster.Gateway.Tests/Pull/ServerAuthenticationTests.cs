using Cluster.Contracts.Tiers;
using Cluster.Gateway.Pull;

namespace Cluster.Gateway.Tests.Pull;

public sealed class ServerAuthenticationTests
{
    private const string Key = "0123456789abcdef-shared";
    private const string Path = "/live/event1.isml/Streams(all)";
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Verify_OwnSignature_Accepted() =>
        ServerAuthentication.Verify(Key, ServerAuthentication.Sign(Key, "GET", Path, Now), "GET", Path, Now.AddMinutes(4)).ShouldBeNull();

    [Fact]
    public void Sign_NeverContainsTheKey() =>
        ServerAuthentication.Sign(Key, "GET", Path, Now).ShouldNotContain(Key);

    [Fact]
    public void Sign_IsHmacSha256OfStampMethodAndPath()
    {
        // The documented message, computed here independently of the implementation.
        var header = ServerAuthentication.Sign(Key, "GET", Path, Now);
        var match = System.Text.RegularExpressions.Regex.Match(header, "^Cluster-HMAC (\\d+)\\.([0-9a-f]{16}):([0-9a-f]{64})$");
        match.Success.ShouldBeTrue(header);
        match.Groups[1].Value.ShouldBe(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Key), System.Text.Encoding.UTF8.GetBytes($"{match.Groups[1].Value}.{match.Groups[2].Value}\nGET\n{Path}")));
        match.Groups[3].Value.ShouldBe(expected);
    }

    [Fact]
    public void Sign_TwoRequestsInOneSecond_DifferentSignatures() =>
        ServerAuthentication.Sign(Key, "GET", Path, Now).ShouldNotBe(ServerAuthentication.Sign(Key, "GET", Path, Now));

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer x")]
    [InlineData("Cluster-HMAC nonsense")]
    [InlineData("Cluster-HMAC 1700000000:zz")]
    [InlineData("Cluster-HMAC 1795262400:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("Cluster-HMAC 1795262400.0123:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("Cluster-HMAC 1795262400.0123456789abcdef:00")]
    public void Verify_MissingOrMalformed_Refused(string? header) =>
        ServerAuthentication.Verify(Key, header, "GET", Path, Now).ShouldNotBeNull();

    [Fact]
    public void Verify_OtherKeyPathMethodOrStaleTime_Refused()
    {
        var signature = ServerAuthentication.Sign(Key, "GET", Path, Now);

        ServerAuthentication.Verify("another-key-of-16+chars", signature, "GET", Path, Now).ShouldNotBeNull();
        ServerAuthentication.Verify(Key, signature, "GET", "/live/other.isml/Streams(all)", Now).ShouldNotBeNull();
        ServerAuthentication.Verify(Key, signature, "POST", Path, Now).ShouldNotBeNull();
        ServerAuthentication.Verify(Key, signature, "GET", Path, Now.AddMinutes(6)).ShouldNotBeNull();
    }

    [Fact]
    public void Verify_ChangedNonce_Refused()
    {
        var signature = ServerAuthentication.Sign(Key, "GET", Path, Now);
        var dot = signature.IndexOf('.', StringComparison.Ordinal);
        var changed = signature[..(dot + 1)] + (signature[dot + 1] == '0' ? '1' : '0') + signature[(dot + 2)..];

        ServerAuthentication.Verify(Key, changed, "GET", Path, Now).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("video_400000:123,audio_64000:-213333", true)]
    [InlineData("", true)]
    [InlineData("video_400000", false)]
    [InlineData("video_400000:abc", false)]
    [InlineData("video_400000:1,video_400000:2", false)]
    public void TryParseAfter_Forms(string value, bool valid)
    {
        PullOutputHandler.TryParseAfter(value, out var after, out var error).ShouldBe(valid, error);
        if (valid && value.Length > 0)
        {
            after["audio_64000"].ShouldBe(-213333);
        }
    }
}
