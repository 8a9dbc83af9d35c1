namespace Cluster.Gateway.Tests.Playback;

public sealed class GatewayCacheOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        var options = new GatewayOptions();

        options.Validate().ShouldBeEmpty();
        options.ResponseCacheSize.ShouldBe(256L * 1024 * 1024);
        options.ManifestCacheDuration.ShouldBe(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Validate_ZeroDisablesBothCaches_NoProblems() =>
        new GatewayOptions { ResponseCacheSize = 0, ManifestCacheDuration = TimeSpan.Zero }.Validate().ShouldBeEmpty();

    [Fact]
    public void Validate_NegativeCacheSettings_BothReported()
    {
        var problems = new GatewayOptions { ResponseCacheSize = -1, ManifestCacheDuration = TimeSpan.FromSeconds(-1) }.Validate().ToList();

        problems.ShouldBe(
        [
            "Cluster:Gateway:ResponseCacheSize must not be negative.",
            "Cluster:Gateway:ManifestCacheDuration must not be negative.",
        ]);
    }
}
