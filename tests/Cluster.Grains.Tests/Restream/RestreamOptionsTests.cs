using Cluster.Contracts.Restream;
using Cluster.Contracts.Tiers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tests.Restream;

public sealed class RestreamOptionsTests
{
    private const string NodeKey = "0123456789abcdef-cluster";

    private static SourceStream Stream(string name, string kind) => new(name, kind, "Started", "s1", TimeSpan.FromMinutes(30), []);

    [Theory]
    // Seed 004: by default running streams are static and on-demand ones on demand.
    [InlineData(new string[0], new string[0], "cbc", "static", "static")]
    [InlineData(new string[0], new string[0], "cbc", "ondemand", "ondemand")]
    // except moves to the black list, and wins over only.
    [InlineData(new string[0], new[] { "stream1", "football" }, "football", "static", null)]
    [InlineData(new[] { "football" }, new[] { "football" }, "football", "static", null)]
    // only: listed ones static (even if on demand at the source), the other visible ones on demand.
    [InlineData(new[] { "cbc", "football", "stream2" }, new string[0], "football", "ondemand", "static")]
    [InlineData(new[] { "cbc", "football", "stream2" }, new string[0], "news", "static", "ondemand")]
    [InlineData(new[] { "mylive/*" }, new string[0], "mylive/a", "static", "static")]
    [InlineData(new[] { "mylive/*" }, new string[0], "other/a", "static", "ondemand")]
    [InlineData(new[] { "mylive/*" }, new[] { "mylive/secret" }, "mylive/secret", "static", null)]
    public void KindOf_OnlyAndExcept_AsTheSeedSays(string[] only, string[] except, string name, string sourceKind, string? expected)
    {
        var source = new RestreamSourceOptions { Url = "http://a:1", Only = [.. only], Except = [.. except] };

        source.KindOf(Stream(name, sourceKind)).ShouldBe(expected);
    }

    [Fact]
    public void Validate_GoodSource_NoProblems()
    {
        var options = new RestreamOptions { Sources = [new() { Url = "http://a:8080", Urls = ["http://a2:8080/"], Only = ["mylive/*"] }] };

        options.Validate(NodeKey).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, null, "Url must be given")]
    [InlineData("http://a:8080/live", null, "base URL")]
    [InlineData("ftp://a", null, "base URL")]
    [InlineData("http://a:8080", "../*", "Only/Except")]
    public void Validate_BadSource_Problem(string? url, string? pattern, string expected)
    {
        var options = new RestreamOptions { Sources = [new() { Url = url, Only = pattern is null ? [] : [pattern] }] };

        options.Validate(NodeKey).ShouldContain(p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoKeyAnywhere_Problem() =>
        new RestreamOptions { Sources = [new() { Url = "http://a:8080" }] }.Validate(null).ShouldContain(p => p.Contains("cluster key", StringComparison.Ordinal));

    [Fact]
    public void Validate_KeyOnTheSource_Enough() =>
        new RestreamOptions { Sources = [new() { Url = "http://a:8080", ClusterKey = NodeKey }] }.Validate(null).ShouldBeEmpty();

    [Fact]
    public void Validate_TwoSourcesOneName_Problem() =>
        new RestreamOptions { Sources = [new() { Name = "x", Url = "http://a:1" }, new() { Name = "x", Url = "http://b:1" }] }
            .Validate(NodeKey).ShouldContain(p => p.Contains("used twice", StringComparison.Ordinal));

    [Fact]
    public void AddClusterTiers_ClusterKey_IsTheKey()
    {
        var options = Tiers(("Cluster:ClusterKey", NodeKey));

        options.Value.SharedKey.ShouldBe(NodeKey);
    }

    [Fact]
    public void AddClusterTiers_ClusterKeyAndDifferentSharedKey_Refused()
    {
        var options = Tiers(("Cluster:ClusterKey", NodeKey), ("Cluster:Tiers:SharedKey", "another-key-0123456789"));

        Should.Throw<OptionsValidationException>(() => options.Value).Message.ShouldContain("differ");
    }

    private static IOptions<TierOptions> Tiers(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        return new ServiceCollection().AddClusterTiers(configuration).BuildServiceProvider().GetRequiredService<IOptions<TierOptions>>();
    }
}
