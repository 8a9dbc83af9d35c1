using System.Net;
using System.Text;
using Cluster.Contracts.Tiers;
using Cluster.Integration.Tests.Infrastructure;

namespace Cluster.Integration.Tests.Security;

/// <summary>Publish credentials per path prefix, as encoders (ffmpeg with user:password in the URL) and servers of the deployment meet them.</summary>
public sealed class PublishSecurityTests
{
    private const string SharedKey = "deployment-shared-key-0123";

    private static readonly string[] Rules =
    [
        "--Cluster:Security:Publish:Rules:0:PathPrefix=secure",
        "--Cluster:Security:Publish:Rules:0:Users:0:User=encoder1",
        "--Cluster:Security:Publish:Rules:0:Users:0:Password=s3cret-pw",
        $"--Cluster:Tiers:SharedKey={SharedKey}",
    ];

    [Fact]
    public async Task Probe_NoCredentials_Answers401WithBasicChallenge()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);

        using var response = await ProbeAsync(silo, "secure/a.isml/Streams(v)", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Basic realm=");
        silo.Warnings.WithEvent(2010).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("encoder1", "wrong-password")]
    [InlineData("someone", "s3cret-pw")]
    [InlineData("encoder1", "s3cret-pw ")]
    public async Task Probe_WrongCredentials_Answers403(string user, string password)
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);

        using var response = await ProbeAsync(silo, "secure/a.isml/Streams(v)", Basic(user, password));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("wrong");
        silo.Warnings.Lines.ShouldAllBe(line => !line.Contains(password, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Basic !!!not-base64")]
    [InlineData("Basic bm9jb2xvbg==")] // "nocolon"
    [InlineData("Bearer abc")]
    [InlineData("Cluster-HMAC 1:00")]
    [InlineData("Cluster-HMAC x")]
    public async Task Probe_MalformedAuthorization_IsRefusedWithoutCreatingThePoint(string authorization)
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);

        using var response = await ProbeAsync(silo, "secure/m.isml/Streams(v)", authorization);

        ((int)response.StatusCode).ShouldBeOneOf(401, 403);
        using var status = await silo.Http.GetAsync("admin/publishing-points/secure/m");
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Probe_RepeatedWrongPasswords_Answer429EvenForTheRightOne()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);
        for (var i = 0; i < 10; i++)
        {
            using var wrong = await ProbeAsync(silo, "secure/a.isml/Streams(v)", Basic("encoder1", $"guess-{i:D4}"));
            wrong.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var limited = await ProbeAsync(silo, "secure/a.isml/Streams(v)", Basic("encoder1", "s3cret-pw"));
        using var open = await ProbeAsync(silo, "open/a.isml/Streams(v)", null);

        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        open.StatusCode.ShouldBe(HttpStatusCode.OK, "points under no rule are not affected");
    }

    [Fact]
    public async Task Probe_RightCredentials_OrAPathUnderNoRule_Answers200()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);

        using var authorized = await ProbeAsync(silo, "secure/a.isml/Streams(v)", Basic("encoder1", "s3cret-pw"));
        using var open = await ProbeAsync(silo, "securely/a.isml/Streams(v)", null);

        authorized.StatusCode.ShouldBe(HttpStatusCode.OK);
        open.StatusCode.ShouldBe(HttpStatusCode.OK, "'secure' covers whole segments only");
    }

    [Fact]
    public async Task Probe_SignedByAServerOfTheDeployment_Answers200()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);
        const string path = "/secure/a.isml/Streams(v)";

        using var signed = await ProbeAsync(silo, path[1..], ServerAuthentication.Sign(SharedKey, "POST", path, DateTimeOffset.UtcNow));
        using var replayed = await ProbeAsync(silo, path[1..], ServerAuthentication.Sign(SharedKey, "POST", path, DateTimeOffset.UtcNow.AddMinutes(-6)));
        using var otherPath = await ProbeAsync(silo, path[1..], ServerAuthentication.Sign(SharedKey, "POST", "/secure/b.isml/Streams(v)", DateTimeOffset.UtcNow));

        signed.StatusCode.ShouldBe(HttpStatusCode.OK);
        replayed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        otherPath.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ffmpeg_CredentialsInTheUrl_Publishes()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);
        var point = new UriBuilder(silo.Url("secure/event1.isml/")) { UserName = "encoder1", Password = "s3cret-pw" }.Uri;

        await using (var ffmpeg = Ffmpeg.Start(Ffmpeg.MultiBitratePush(point, realTime: false, seconds: 6)))
        {
            (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(90))).ShouldBe(0, ffmpeg.Log);
        }

        var manifest = (await SmoothManifest.TryGetAsync(silo.Http, "secure/event1.isml/Manifest")).ShouldNotBeNull();
        manifest.Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Ffmpeg_WrongPassword_FailsAndCreatesNothingWhileOtherPointsIngest()
    {
        await using var silo = await InProcessSilo.StartAsync(Rules);
        var refused = new UriBuilder(silo.Url("secure/intruder.isml/")) { UserName = "encoder1", Password = "guessed-pw" }.Uri;

        await using var other = Ffmpeg.Start(Ffmpeg.MultiBitratePush(silo.Url("open/event1.isml/"), realTime: false, seconds: 6));
        await using (var intruder = Ffmpeg.Start(Ffmpeg.MultiBitratePush(refused, realTime: false, seconds: 60)))
        {
            (await intruder.WaitAsync(TimeSpan.FromSeconds(30))).ShouldNotBe(0, intruder.Log);
            // ffmpeg reads no answer while it streams its body; the node closes the connection after its 403.
            silo.Warnings.WithEvent(2010).ShouldContain(line => line.Contains("(403)", StringComparison.Ordinal));
        }

        (await other.WaitAsync(TimeSpan.FromSeconds(90))).ShouldBe(0, other.Log);
        using var status = await silo.Http.GetAsync("admin/publishing-points/secure/intruder");
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await SmoothManifest.TryGetAsync(silo.Http, "open/event1.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static async Task<HttpResponseMessage> ProbeAsync(InProcessSilo silo, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([]) };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await silo.Http.SendAsync(request);
    }
}
