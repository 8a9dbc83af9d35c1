using Cluster.Runtime.GrainDirectory;
using Cluster.Runtime.Membership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Tests.Membership;

public sealed class ClusterStorageOptionsTests
{
    [Fact]
    public void Defaults_NewOptions_InMemoryDevClusterAndValid()
    {
        var options = new ClusterMembershipOptions();

        options.Provider.ShouldBe(ClusterStorageProvider.InMemory);
        options.ClusterId.ShouldBe("dev");
        options.ConnectionString.ShouldBeNull();
        new ClusterStorageOptionsValidator<ClusterMembershipOptions>().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(ClusterStorageProvider.PostgreSql, null, "dev", "ConnectionString")]
    [InlineData(ClusterStorageProvider.PostgreSql, "Host=db;Bogus Keyword=1", "dev", "ConnectionString")]
    [InlineData(ClusterStorageProvider.InMemory, null, "", "ClusterId")]
    [InlineData((ClusterStorageProvider)7, null, "dev", "Provider")]
    public void Validate_BadValue_FailsNamingIt(ClusterStorageProvider provider, string? connectionString, string clusterId, string name)
    {
        var options = new GrainDirectoryOptions { Provider = provider, ConnectionString = connectionString, ClusterId = clusterId };

        var result = new ClusterStorageOptionsValidator<GrainDirectoryOptions>().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(name);
    }

    [Fact]
    public void Validate_ConnectionStringWithPassword_MessageDoesNotEchoIt()
    {
        var options = new ClusterMembershipOptions { Provider = ClusterStorageProvider.PostgreSql, ConnectionString = "Host=db;Password=s3cret;Nonsense=1" };

        var result = new ClusterStorageOptionsValidator<ClusterMembershipOptions>().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldNotContain("s3cret");
    }

    [Fact]
    public void AddClusterStorage_NoConfiguration_InMemoryStoresSharingOneState()
    {
        using var services = Build([]);

        services.GetRequiredService<IMembershipTable>().ShouldBeOfType<InMemoryMembershipTable>();
        services.GetRequiredService<IGrainDirectory>().ShouldBeOfType<InMemoryGrainDirectory>();
        services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.ClusterId.ShouldBe("dev");
    }

    [Fact]
    public void AddClusterStorage_PostgreSqlSections_PostgreSqlStoresWithTheirClusterIds()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Cluster:Membership:Provider"] = "PostgreSql",
            ["Cluster:Membership:ConnectionString"] = "Host=127.0.0.1;Database=cluster",
            ["Cluster:Membership:ClusterId"] = "prod",
            ["Cluster:Directory:Provider"] = "PostgreSql",
            ["Cluster:Directory:ConnectionString"] = "Host=127.0.0.1;Database=cluster",
            ["Cluster:Directory:ClusterId"] = "prod",
        });

        services.GetRequiredService<IMembershipTable>().ShouldBeOfType<PostgreSqlMembershipTable>();
        services.GetRequiredService<IGrainDirectory>().ShouldBeOfType<PostgreSqlGrainDirectory>();
        services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.ClusterId.ShouldBe("prod");
    }

    [Fact]
    public void AddClusterMembership_PostgreSqlWithoutConnectionString_FailsWhenResolved()
    {
        using var services = Build(new Dictionary<string, string?> { ["Cluster:Membership:Provider"] = "PostgreSql" });

        Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IMembershipTable>()).Message.ShouldContain("ConnectionString");
    }

    [Fact]
    public async Task AddClusterStorage_SharedInMemoryStoreRegisteredFirst_TwoSilosSeeOneCluster()
    {
        var shared = new InMemoryClusterStore();
        using var silo1 = Build([], shared);
        using var silo2 = Build([], shared);

        (await silo1.GetRequiredService<IMembershipTable>().InsertRow(
            new MembershipEntry { SiloAddress = new SiloAddress("10.0.0.1:11111", 1), Status = SiloStatus.Joining },
            TableVersion.Initial.Next())).ShouldBeTrue();

        (await silo2.GetRequiredService<IMembershipTable>().ReadAll()).Members.ShouldHaveSingleItem();
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, InMemoryClusterStore? shared = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        if (shared is not null)
        {
            services.AddSingleton(shared);
        }

        services.AddClusterStorage(configuration);
        return services.BuildServiceProvider(validateScopes: true);
    }
}
