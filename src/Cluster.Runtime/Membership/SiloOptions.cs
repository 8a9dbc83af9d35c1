using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>Identity of this silo in the cluster (configuration section <see cref="SectionName"/>).</summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Silo";

    /// <summary>
    /// Where other silos reach this one, <c>host:port</c> (e.g. <c>10.0.0.5:11111</c>). Default: taken from the first
    /// URL in <c>urls</c> (<c>ASPNETCORE_URLS</c>) or <c>Kestrel:Endpoints:*:Url</c> that names a concrete host and port
    /// (not <c>*</c>, <c>+</c>, <c>0.0.0.0</c> or <c>[::]</c>); required when there is none.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Roles of this silo written into its membership row (e.g. <c>origin</c>). Default: none.</summary>
    public IList<string> Roles { get; } = [];
}

/// <summary>Fills <see cref="SiloOptions.Endpoint"/> from the Kestrel URLs when it is not configured.</summary>
internal sealed class SiloOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<SiloOptions>
{
    public void PostConfigure(string? name, SiloOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return;
        }

        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        options.Endpoint = urls.Select(EndpointOf).FirstOrDefault(e => e is not null);
    }

    /// <summary><c>host:port</c> of a URL that names a concrete host and port, else null.</summary>
    internal static string? EndpointOf(string url)
    {
        // Kestrel accepts wildcard hosts that Uri does not parse; those cannot be dialled by peers anyway.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0
            || uri.Host is "" or "*" or "+" or "0.0.0.0" or "[::]" or "::")
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{uri.Host}:{uri.Port}");
    }
}

/// <summary>Checks <see cref="SiloOptions"/> at start-up.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return ValidateOptionsResult.Fail($"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)} is required (host:port other silos reach this one at) when no Kestrel URL names a concrete host and port.");
        }

        return options.Endpoint.Any(c => char.IsWhiteSpace(c) || c == '@' || c == '/')
            ? ValidateOptionsResult.Fail($"{SiloOptions.SectionName}:{nameof(SiloOptions.Endpoint)} must be host:port without whitespace, '@' or '/' (was '{options.Endpoint}').")
            : ValidateOptionsResult.Success;
    }
}
