using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Cluster.Integration.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cluster.Integration.Tests.Security;

/// <summary>The admin API as an operator and an intruder reach it over HTTP: API keys, JWT bearer tokens, roles and the safe default.</summary>
public sealed class AdminSecurityTests
{
    private const string OperatorKey = "operator-key-0123456789";
    private const string ReaderKey = "reader-key-0123456789";
    private const string SigningKey = "jwt-signing-key-0123456789-0123456789";
    private const string RefusedEvent = "[2003] ";

    private static readonly string[] ApiKeys =
    [
        $"--Cluster:Security:Admin:ApiKeys:0:Key={OperatorKey}", "--Cluster:Security:Admin:ApiKeys:0:Role=Operator", "--Cluster:Security:Admin:ApiKeys:0:Name=ops",
        $"--Cluster:Security:Admin:ApiKeys:1:Key={ReaderKey}", "--Cluster:Security:Admin:ApiKeys:1:Role=Reader",
    ];

    private static readonly string[] Jwt =
    [
        "--Cluster:Security:Admin:Jwt:Audience=cluster-admin", "--Cluster:Security:Admin:Jwt:Issuer=https://id.example",
        $"--Cluster:Security:Admin:Jwt:SigningKey={SigningKey}",
    ];

    [Fact]
    public async Task Put_WithoutCredentials_Answers401WithReasonAndChangesNothing()
    {
        await using var silo = await InProcessSilo.StartAsync(ApiKeys);

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/z", null, """{"dvrWindowLength":"00:10:00"}""");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldContain("ApiKey");
        (await response.Content.ReadAsStringAsync()).ShouldContain("X-Api-Key");
        (await StatusAsync(silo, "live/z")).ShouldBe(HttpStatusCode.NotFound);
        silo.Warnings.Lines.Count(line => line.Contains(RefusedEvent, StringComparison.Ordinal) && line.Contains("PUT", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Theory]
    [InlineData("X-Api-Key", "wrong-key-0123456789")]
    [InlineData("Authorization", "ApiKey wrong-key-0123456789")]
    [InlineData("Authorization", "Basic b3BzOm9wcw==")]
    public async Task Put_WrongCredentials_Answers401(string header, string value)
    {
        await using var silo = await InProcessSilo.StartAsync(ApiKeys);

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/z", (header, value), "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await StatusAsync(silo, "live/z")).ShouldBe(HttpStatusCode.NotFound);
        silo.Warnings.Lines.ShouldAllBe(line => !line.Contains("wrong-key", StringComparison.Ordinal), "a key, even a wrong one, is never logged");
    }

    [Fact]
    public async Task Roles_ReaderReadsOperatorChanges()
    {
        await using var silo = await InProcessSilo.StartAsync(ApiKeys);
        var reader = ("X-Api-Key", ReaderKey);
        var operatorKey = ("Authorization", "ApiKey " + OperatorKey);

        using (var refused = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/r", reader, "{}"))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("operator role");
        }

        using (var refusedShutdown = await SendAsync(silo, HttpMethod.Post, "admin/publishing-points/live/r/shutdown", reader, null))
        {
            refusedShutdown.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using (var created = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/r", operatorKey, "{}"))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var read = await SendAsync(silo, HttpMethod.Get, "admin/publishing-points/live/r", reader, null);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var silos = await SendAsync(silo, HttpMethod.Get, "admin/silos", reader, null);
        silos.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var anonymousSilos = await SendAsync(silo, HttpMethod.Get, "admin/silos", null, null);
        anonymousSilos.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var anonymousSilo = await SendAsync(silo, HttpMethod.Get, "admin/silo", null, null);
        anonymousSilo.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var anonymousToken = await SendAsync(silo, HttpMethod.Post, "admin/playback-tokens", null, """{"pathPrefix":""}""");
        anonymousToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Jwt_ValidOperatorToken_Configures()
    {
        await using var silo = await InProcessSilo.StartAsync(Jwt);

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/j", ("Authorization", "Bearer " + Token("operator", TimeSpan.FromMinutes(5))), "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("expired", "expired")]
    [InlineData("other-key", "signature")]
    [InlineData("other-audience", "audience")]
    [InlineData("garbage", "not a valid token")]
    public async Task Jwt_BadToken_Answers401WithReason(string kind, string reason)
    {
        await using var silo = await InProcessSilo.StartAsync(Jwt);
        var token = kind switch
        {
            "expired" => Token("operator", TimeSpan.FromMinutes(-10)),
            "other-key" => Token("operator", TimeSpan.FromMinutes(5), key: "another-signing-key-0123456789-01234567"),
            "other-audience" => Token("operator", TimeSpan.FromMinutes(5), audience: "someone-else"),
            _ => "not.a.jwt",
        };

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/j", ("Authorization", "Bearer " + token), "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldContain(reason);
        (await StatusAsync(silo, "live/j", ("Authorization", "Bearer " + Token("reader", TimeSpan.FromMinutes(5))))).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Jwt_ReaderToken_CannotChange()
    {
        await using var silo = await InProcessSilo.StartAsync(Jwt);

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/j", ("Authorization", "Bearer " + Token("reader", TimeSpan.FromMinutes(5))), "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PublicBinding_WithoutCredentials_DisablesAdminButServesPlayback()
    {
        await using var silo = await InProcessSilo.StartAsync("--urls", "http://0.0.0.0:0");

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/open", null, "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("disabled");
        silo.Warnings.WithEvent(2002).Count.ShouldBe(1);
        using var health = await silo.Http.GetAsync("healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var probe = await silo.Http.PostAsync("live/open.isml/Streams(v)", new ByteArrayContent([]));
        probe.StatusCode.ShouldBe(HttpStatusCode.OK, "ingest and playback are not the admin API");
    }

    [Fact]
    public async Task SiloWithoutGateway_LocalSiloListing_NeedsCredentials()
    {
        await using var silo = await InProcessSilo.StartAsync([.. ApiKeys, "--Cluster:Gateway:Enabled=false"]);

        using var anonymous = await SendAsync(silo, HttpMethod.Get, "admin/silo", null, null);
        using var reader = await SendAsync(silo, HttpMethod.Get, "admin/silo", ("X-Api-Key", ReaderKey), null);

        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        reader.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task LoopbackBinding_WithoutCredentials_IsOpen()
    {
        await using var silo = await InProcessSilo.StartAsync();

        using var response = await SendAsync(silo, HttpMethod.Put, "admin/publishing-points/live/dev", null, "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        silo.Warnings.WithEvent(2001).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Host", "rebound.evil.example")]
    public async Task LoopbackBinding_WithoutCredentials_RefusesWebPagesOfOtherSites(string header, string value)
    {
        await using var silo = await InProcessSilo.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/publishing-points/live/dev/shutdown");
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await silo.Http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("open admin API");
    }

    [Fact]
    public void Start_ShortApiKey_RefusesToStart()
    {
        var failure = Should.Throw<Exception>(async () => await InProcessSilo.StartAsync("--Cluster:Security:Admin:ApiKeys:0:Key=short"));

        failure.Message.ShouldContain("ApiKeys:0:Key must have at least 16 characters");
    }

    private static string Token(string role, TimeSpan validFor, string key = SigningKey, string audience = "cluster-admin")
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://id.example",
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "alice"), new Claim("role", role)]),
            NotBefore = now.Add(validFor).AddMinutes(-30),
            IssuedAt = now.Add(validFor).AddMinutes(-30),
            Expires = now.Add(validFor),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private static async Task<HttpStatusCode> StatusAsync(InProcessSilo silo, string point, (string Name, string Value)? credentials = null)
    {
        using var response = await SendAsync(silo, HttpMethod.Get, "admin/publishing-points/" + point, credentials ?? ("X-Api-Key", ReaderKey), null);
        return response.StatusCode;
    }

    internal static async Task<HttpResponseMessage> SendAsync(InProcessSilo silo, HttpMethod method, string path, (string Name, string Value)? header, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, MediaTypeHeaderValue.Parse("application/json"));
        }

        return await silo.Http.SendAsync(request);
    }
}
