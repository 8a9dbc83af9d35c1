using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Cluster.Gateway.Security;

/// <summary>
/// The admin API's authentication (API keys and JWT bearer, through ASP.NET Core's authentication) and its two policies:
/// <see cref="ReadPolicy"/> for reads, <see cref="WritePolicy"/> for changes.
/// </summary>
internal static class AdminAuthentication
{
    public const string Scheme = "Cluster.Admin";
    public const string ApiKeyScheme = "ApiKey";
    public const string ReadPolicy = AdminPolicies.Read;
    public const string WritePolicy = AdminPolicies.Write;
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>The claim type our role values are put in, whatever the token called it.</summary>
    public const string RoleClaim = "cluster_role";

    public static void Add(IServiceCollection services, SecurityOptions security)
    {
        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or bearer token", policy => policy.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyScheme, null);
        if (security.Admin.Jwt is { } jwt)
        {
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, bearer => ConfigureJwt(bearer, jwt));
        }

        services.AddSingleton<IAuthorizationHandler, AdminRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminRefusals>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.AddAuthenticationSchemes(Scheme).AddRequirements(new AdminRequirement(AdminRole.Reader)))
            .AddPolicy(WritePolicy, policy => policy.AddAuthenticationSchemes(Scheme).AddRequirements(new AdminRequirement(AdminRole.Operator)));
    }

    /// <summary>A bearer token goes to the JWT handler (when configured); anything else to the API key handler, which explains what is missing.</summary>
    private static string SelectScheme(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.Admin.Jwt is not null
            ? JwtBearerDefaults.AuthenticationScheme
            : ApiKeyScheme;

    private static void ConfigureJwt(JwtBearerOptions bearer, AdminJwtOptions jwt)
    {
        bearer.MapInboundClaims = false;
        bearer.Authority = jwt.Authority;
        bearer.Audience = jwt.Audience;
        bearer.TokenValidationParameters.ValidAudience = jwt.Audience;
        bearer.TokenValidationParameters.ValidIssuer = jwt.Issuer;
        bearer.TokenValidationParameters.ValidateIssuer = jwt.Issuer is not null || jwt.Authority is not null;
        bearer.TokenValidationParameters.RoleClaimType = RoleClaim;
        if (jwt.SigningKey is { } key)
        {
            bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key));
            bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // The role in our claim type, so both schemes check one claim.
                var identity = (ClaimsIdentity)context.Principal!.Identity!;
                foreach (var role in identity.FindAll(jwt.RoleClaim).ToArray())
                {
                    identity.AddClaim(new Claim(RoleClaim, role.Value));
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var reason = context.AuthenticateFailure is { } failure
                    ? $"The bearer token was refused: {Describe(failure)}"
                    : "The admin API needs a bearer token or an API key.";
                await AdminRefusals.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, reason, "Bearer");
            },
        };
    }

    /// <summary>The kind of failure without the token's content.</summary>
    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired.",
        SecurityTokenNotYetValidException => "it is not valid yet.",
        SecurityTokenInvalidAudienceException => "wrong audience.",
        SecurityTokenInvalidIssuerException => "wrong issuer.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the signature does not match.",
        _ => "it is not a valid token.",
    };

    /// <summary>The key <paramref name="given"/> matches, compared as SHA-256 digests in constant time (so neither a key's bytes nor its length show in the timing).</summary>
    internal static AdminApiKey? Match(IReadOnlyList<AdminApiKey> keys, string given)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        AdminApiKey? found = null;
        foreach (var key in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key.Key ?? "")), digest))
            {
                found = key;
            }
        }

        return found;
    }

    /// <summary>API keys from <c>X-Api-Key</c> or <c>Authorization: ApiKey {key}</c>; its refusals are logged once, by <see cref="AdminRefusals"/>.</summary>
    private sealed class ApiKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        UrlEncoder encoder,
        IOptions<SecurityOptions> security) : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
    {
        private const string AuthorizationPrefix = "ApiKey ";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var given = Request.Headers[ApiKeyHeader].ToString();
            var authorization = Request.Headers.Authorization.ToString();
            if (given.Length == 0 && authorization.StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase))
            {
                given = authorization[AuthorizationPrefix.Length..].Trim();
            }

            if (given.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            if (Match(security.Value.Admin.ApiKeys, given) is not { } key)
            {
                return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, key.Name), new Claim(RoleClaim, RoleName(key.Role))], ApiKeyScheme, ClaimTypes.Name, RoleClaim);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyScheme)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            var result = await HandleAuthenticateOnceSafeAsync();
            var reason = result.Failure?.Message
                ?? $"The admin API needs credentials: an API key ({ApiKeyHeader} header){(security.Value.Admin.Jwt is null ? "" : " or a bearer token")}.";
            await AdminRefusals.WriteAsync(Context, StatusCodes.Status401Unauthorized, reason, "ApiKey");
        }
    }

    public static string RoleName(AdminRole role) => role == AdminRole.Operator ? "operator" : "reader";
}

/// <summary>The admin API's authorization policies, for endpoints mapped outside the gateway (<c>RequireAuthorization(AdminPolicies.Read)</c>).</summary>
public static class AdminPolicies
{
    /// <summary>Reads: the reader or operator role.</summary>
    public const string Read = "Cluster.Admin.Read";

    /// <summary>Changes: the operator role.</summary>
    public const string Write = "Cluster.Admin.Write";
}

/// <summary>Needs a role (an operator may do what a reader may); the mode may open or close the API for everyone.</summary>
internal sealed record AdminRequirement(AdminRole Role) : IAuthorizationRequirement;

internal sealed class AdminRequirementHandler(AdminAccess access) : AuthorizationHandler<AdminRequirement>
{
    /// <summary>
    /// The open (loopback, no credentials) API answers only requests a local tool makes: a web page the developer
    /// visits may send a request to 127.0.0.1 (no preflight for a bodiless POST), or rebind its own host name to it;
    /// its Origin or Host header gives it away.
    /// </summary>
    internal static string? ForeignSite(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        return !AdminAccess.IsLoopback("http://" + context.Request.Host.Value) ? $"The open admin API answers only requests addressed to a loopback host, not '{context.Request.Host.Value}'."
            : origin.Length > 0 && origin != "null" && !AdminAccess.IsLoopback(origin) ? $"The open admin API does not answer requests from web pages of other sites ({origin})."
            : origin == "null" ? "The open admin API does not answer requests from sandboxed or file pages."
            : null;
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
    {
        switch (access.Mode)
        {
            case AdminMode.Open when context.Resource is HttpContext http && ForeignSite(http) is { } foreign:
                context.Fail(new AuthorizationFailureReason(this, foreign));
                break;
            case AdminMode.Open:
                context.Succeed(requirement);
                break;
            case AdminMode.Disabled:
                context.Fail(new AuthorizationFailureReason(this, AdminRefusals.Disabled(access.Listeners)));
                break;
            case AdminMode.Authenticated when context.User.HasClaim(AdminAuthentication.RoleClaim, "operator")
                || (requirement.Role == AdminRole.Reader && context.User.HasClaim(AdminAuthentication.RoleClaim, "reader")):
                context.Succeed(requirement);
                break;
            case AdminMode.Authenticated when context.User.Identity?.IsAuthenticated == true:
                context.Fail(new AuthorizationFailureReason(this, $"This needs the {AdminAuthentication.RoleName(requirement.Role)} role."));
                break;
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers every refusal of the admin API with its status, a plain-text reason and one log line.</summary>
internal sealed partial class AdminRefusals(AdminAccess access, ILogger<AdminRefusals> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public static string Disabled(string listeners) =>
        $"The admin API is disabled: this node listens on {listeners} and no admin credentials are configured (Cluster:Security:Admin:ApiKeys or :Jwt).";

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        // The policy evaluator drops the failure's reasons when it challenges, so the disabled API is told apart here.
        var reason = access.Mode == AdminMode.Disabled ? Disabled(access.Listeners)
            : access.Mode == AdminMode.Open ? AdminRequirementHandler.ForeignSite(context) ?? "Forbidden."
            : authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message;
        if (authorizeResult.Forbidden || (authorizeResult.Challenged && access.Mode is AdminMode.Disabled or AdminMode.Open))
        {
            // Authenticated without the role, or refused whoever asks (API disabled): 403.
            reason ??= "Forbidden.";
            LogRefused(context.Request.Method, context.Request.Path, ClientAddress.Of(context), StatusCodes.Status403Forbidden, reason);
            await WriteAsync(context, StatusCodes.Status403Forbidden, reason, null);
            return;
        }

        if (authorizeResult.Challenged)
        {
            LogRefused(context.Request.Method, context.Request.Path, ClientAddress.Of(context), StatusCodes.Status401Unauthorized, "no valid credentials");
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    public static async Task WriteAsync(HttpContext context, int status, string reason, string? challenge)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        if (challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = $"{challenge} realm=\"Cluster admin\"";
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n", CancellationToken.None);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Admin {Method} {Path} from {Remote} refused ({Status}): {Reason}")]
    private partial void LogRefused(string method, PathString path, string? remote, int status, string reason);
}
