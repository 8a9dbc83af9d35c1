using Cluster.Runtime.Membership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Tests.Membership;

public sealed class MembershipOptionsTests
{
    [Fact]
    public void Defaults_Valid_DetectionBoundFourSeconds()
    {
        var options = new MembershipOptions();

        new MembershipOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
        options.DetectionBound.ShouldBe(TimeSpan.FromSeconds(4));
    }

    [Theory]
    [InlineData("ProbeInterval", "00:00:00")]
    [InlineData("ProbeTimeout", "-00:00:01")]
    [InlineData("MissedProbesLimit", "0")]
    [InlineData("NumVotesForDeathDeclaration", "0")]
    [InlineData("DeathVoteExpiration", "00:00:02")]
    [InlineData("TableRefreshInterval", "2.00:00:00")]
    public void Validate_BadValue_FailsNamingIt(string name, string value)
    {
        var provider = Build(new() { [$"Cluster:Membership:{name}"] = value, ["Cluster:Silo:Endpoint"] = "10.0.0.1:11111" });

        var exception = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MembershipOptions>>().Value);

        exception.Message.ShouldContain(name);
    }

    [Fact]
    public void SiloEndpoint_NoneWithInMemoryTable_IsStandalone()
    {
        var provider = Build(new() { ["urls"] = "http://10.0.0.7:5000" });

        var options = provider.GetRequiredService<IOptions<SiloOptions>>().Value;
        options.Endpoint.ShouldBe(SiloOptions.StandaloneEndpoint);
        options.IsStandalone.ShouldBeTrue();
    }

    [Fact]
    public void SiloEndpoint_NoneWithPostgreSqlTable_FailsNamingTheSetting()
    {
        var provider = Build(new()
        {
            ["urls"] = "http://10.0.0.7:5000",
            ["Cluster:Membership:Provider"] = "PostgreSql",
            ["Cluster:Membership:ConnectionString"] = "Host=127.0.0.1",
        });

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SiloOptions>>().Value)
            .Message.ShouldContain("Cluster:Silo:Endpoint");
    }

    [Fact]
    public void AddClusterMembershipProtocol_Resolves_OneServiceBehindEveryInterface()
    {
        var provider = Build(new() { ["Cluster:Silo:Endpoint"] = "10.0.0.1:11111", ["Cluster:Silo:Roles:0"] = "origin" });

        var membership = provider.GetRequiredService<IClusterMembership>();

        membership.LocalSilo.Endpoint.ShouldBe("10.0.0.1:11111");
        provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ShouldContain(s => ReferenceEquals(s, membership));
        provider.GetRequiredService<ISiloProber>().ShouldBeOfType<HttpSiloProber>();
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostApplicationLifetime, FakeLifetime>();
        services.AddClusterMembershipProtocol(configuration);
        services.AddClusterMembershipProtocol(configuration);
        return services.BuildServiceProvider();
    }
}
