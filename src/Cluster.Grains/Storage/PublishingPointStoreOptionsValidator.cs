using Microsoft.Extensions.Options;

namespace Cluster.Grains.Storage;

/// <summary>Checks <see cref="PublishingPointStoreOptions"/> at start-up.</summary>
internal sealed class PublishingPointStoreOptionsValidator : IValidateOptions<PublishingPointStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PublishingPointStoreOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
