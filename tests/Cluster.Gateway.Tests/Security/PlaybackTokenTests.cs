using System.Text;
using Cluster.Gateway.Security;

namespace Cluster.Gateway.Tests.Security;

public sealed class PlaybackTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly PlaybackKey[] Keys =
    [
        new() { Id = "k1", Secret = "first-secret-0123456789-0123456789" },
        new() { Id = "k2", Secret = "second-secret-0123456789-012345678" },
    ];

    [Fact]
    public void Verify_TokenOfEitherActiveKey_Allows()
    {
        foreach (var key in Keys)
        {
            var token = PlaybackToken.Create(key.Id!, key.Secret!, "live/event1", Now.AddMinutes(5));

            PlaybackToken.Verify(token, Keys, "live/event1", "10.0.0.1", Now).ShouldBeNull();
        }
    }

    [Theory]
    [InlineData("live", "live/event1", null)]
    [InlineData("", "any/point", null)]
    [InlineData("live/event1", "live/event10", "another path")]
    [InlineData("live/event1", "live", "another path")]
    [InlineData("live", "lively/x", "another path")]
    public void Verify_PathPrefix_CoversWholeSegments(string prefix, string point, string? reason)
    {
        var token = PlaybackToken.Create("k1", Keys[0].Secret!, prefix, Now.AddMinutes(5));

        var result = PlaybackToken.Verify(token, Keys, point, null, Now);

        if (reason is null)
        {
            result.ShouldBeNull();
        }
        else
        {
            result.ShouldNotBeNull().ShouldContain(reason);
        }
    }

    [Fact]
    public void Verify_Expired_Refuses() =>
        PlaybackToken.Verify(PlaybackToken.Create("k1", Keys[0].Secret!, "live", Now.AddSeconds(-1)), Keys, "live/a", null, Now).ShouldNotBeNull().ShouldContain("expired");

    [Fact]
    public void Verify_BoundToAnotherAddress_Refuses()
    {
        var token = PlaybackToken.Create("k1", Keys[0].Secret!, "live", Now.AddMinutes(1), "192.0.2.7");

        PlaybackToken.Verify(token, Keys, "live/a", "192.0.2.7", Now).ShouldBeNull();
        PlaybackToken.Verify(token, Keys, "live/a", "192.0.2.8", Now).ShouldNotBeNull().ShouldContain("address");
    }

    [Fact]
    public void Verify_KeyRotatedOut_Refuses()
    {
        var token = PlaybackToken.Create("k0", "retired-secret-0123456789-01234567", "live", Now.AddMinutes(1));

        PlaybackToken.Verify(token, Keys, "live/a", null, Now).ShouldNotBeNull().ShouldContain("key");
    }

    [Fact]
    public void Verify_AnyPartChanged_Refuses()
    {
        var token = PlaybackToken.Create("k1", Keys[0].Secret!, "live/event1", Now.AddMinutes(5));
        var parts = token.Split('.');
        string[] tampered =
        [
            string.Join('.', "k2", parts[1], parts[2], parts[3], parts[4]),
            string.Join('.', parts[0], (long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3], parts[4]),
            string.Join('.', parts[0], parts[1], Convert.ToBase64String(Encoding.UTF8.GetBytes("live")).TrimEnd('='), parts[3], parts[4]),
            string.Join('.', parts[0], parts[1], parts[2], parts[3], parts[4][..^2] + (parts[4][^2] == 'A' ? "BA" : "AA")),
        ];

        foreach (var bad in tampered)
        {
            PlaybackToken.Verify(bad, Keys, "live/event1", null, Now).ShouldNotBeNull(bad);
        }
    }

    [Fact]
    public void Verify_RandomInput_NeverThrowsNeverAllows()
    {
        var random = new Random(14);
        var valid = PlaybackToken.Create("k1", Keys[0].Secret!, "live", Now.AddMinutes(5));
        const string alphabet = "abcAZ09-_.=+/%\0\u00e9\uffff ";
        for (var i = 0; i < 20_000; i++)
        {
            var chars = (i % 2 == 0 ? valid : new string('a', random.Next(0, 80))).ToCharArray();
            for (var m = random.Next(1, 4); m > 0 && chars.Length > 0; m--)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            var candidate = new string(chars);
            if (candidate == valid)
            {
                continue;
            }

            PlaybackToken.Verify(candidate, Keys, "live/a", null, Now).ShouldNotBeNull(candidate);
        }

        PlaybackToken.Verify(new string('a', 100_000), Keys, "live/a", null, Now).ShouldNotBeNull();
    }

    [Fact]
    public void TryParse_RandomBasicHeaders_NeverThrow()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var header = (i % 3) switch
            {
                0 => "Basic " + Convert.ToBase64String(bytes),
                1 => "Basic " + Encoding.Latin1.GetString(bytes),
                _ => Encoding.Latin1.GetString(bytes),
            };

            _ = BasicCredentials.TryParse(header, out _, out _);
        }

        BasicCredentials.TryParse("Basic " + new string('A', 100_000), out _, out _).ShouldBeFalse();
        BasicCredentials.TryParse("Basic dXNlcjpwYTpzcw==", out var user, out var password).ShouldBeTrue();
        (user, password).ShouldBe(("user", "pa:ss"));
    }
}
