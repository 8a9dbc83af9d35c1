using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Transport;

/// <summary>Settings of silo-to-silo grain calls; validated at start-up.</summary>
public sealed class GrainCallOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:GrainCalls";

    /// <summary>Deadline of a call without an explicit timeout, queueing included. Default 30 s (Orleans' <c>ResponseTimeout</c>).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long opening a connection to another silo may take before the call fails with <see cref="SiloUnavailableException"/>. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Send calls as HTTP/2 over cleartext with prior knowledge (h2c), which needs the silos' Kestrel endpoints configured
    /// with <c>Protocols = HttpProtocols.Http2</c>; when false, HTTP/1.1. Default true.
    /// </summary>
    public bool UseHttp2 { get; set; } = true;

    /// <summary>Largest request or response body accepted, in bytes. Default 64 MiB.</summary>
    public long MaxMessageSize { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Exception types (besides the built-in list of common BCL exceptions) that are recreated at the caller when grain
    /// code on another silo throws them; each needs a public <c>(string)</c> or <c>(string, Exception)</c> constructor.
    /// Empty by default.
    /// </summary>
    public IList<Type> KnownExceptionTypes { get; } = [];
}

/// <summary>Rejects unusable <see cref="GrainCallOptions"/> at start-up.</summary>
internal sealed class GrainCallOptionsValidator : IValidateOptions<GrainCallOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainCallOptions options)
    {
        var errors = new List<string>();
        if (options.ResponseTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(GrainCallOptions.ResponseTimeout)} must be positive (was {options.ResponseTimeout}).");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(GrainCallOptions.ConnectTimeout)} must be positive (was {options.ConnectTimeout}).");
        }

        if (options.MaxMessageSize is < 1024 or > int.MaxValue)
        {
            errors.Add($"{nameof(GrainCallOptions.MaxMessageSize)} must be between 1 KiB and 2 GiB (was {options.MaxMessageSize}).");
        }

        foreach (var type in options.KnownExceptionTypes)
        {
            if (!typeof(Exception).IsAssignableFrom(type) || ExceptionCodec.FindConstructor(type) is null)
            {
                errors.Add($"{nameof(GrainCallOptions.KnownExceptionTypes)}: {type} is not an exception type with a public (string) or (string, Exception) constructor.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
