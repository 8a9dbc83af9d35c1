using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Storage;
using Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tests.Storage;

public sealed class PublishingPointStoreServiceCollectionExtensionsTests : IDisposable
{
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Username=postgres;Database=points";

    private readonly TemporaryFolder _data = new("cluster-points-di-");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task AddPublishingPointStore_NothingConfigured_FileStoreInTheDataFoldersPointsFolder()
    {
        await using var services = Build(("Cluster:DataPath", _data.Path));

        var store = services.GetRequiredService<IPublishingPointStore>().ShouldBeOfType<FilePublishingPointStore>();

        store.Folder.ShouldBe(Path.Combine(_data.Path, "points"));
    }

    [Fact]
    public async Task AddPublishingPointStore_MembershipInPostgreSql_PostgreSqlStore()
    {
        await using var services = Build(
            ("Cluster:DataPath", _data.Path),
            ("Cluster:Membership:Provider", "PostgreSql"),
            ("Cluster:Membership:ConnectionString", ConnectionString));

        services.GetRequiredService<IPublishingPointStore>().ShouldBeOfType<PostgreSqlPublishingPointStore>();
    }

    [Fact]
    public async Task AddPublishingPointStore_MembershipInAzureStorage_AzureTableStore()
    {
        await using var services = Build(
            ("Cluster:DataPath", _data.Path),
            ("Cluster:Membership:Provider", "AzureStorage"),
            ("Cluster:Membership:ConnectionString", "UseDevelopmentStorage=true"));

        services.GetRequiredService<IPublishingPointStore>().ShouldBeOfType<AzureTablePublishingPointStore>();
    }

    [Fact]
    public async Task HostStart_AzureTableStoreWithoutConnectionString_FailsNamingTheSetting()
    {
        using var host = BuildHost(("Cluster:PublishingPoints:Store", "AzureTable"));

        var exception = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        exception.Message.ShouldContain("Cluster:Membership:ConnectionString");
    }

    [Theory]
    [InlineData("InMemory", typeof(InMemoryPublishingPointStore))]
    [InlineData("inmemory", typeof(InMemoryPublishingPointStore))]
    [InlineData("File", typeof(FilePublishingPointStore))]
    [InlineData("PostgreSql", typeof(PostgreSqlPublishingPointStore))]
    public async Task AddPublishingPointStore_StoreNamed_ThatStoreWhateverTheMembership(string store, Type expected)
    {
        await using var services = Build(
            ("Cluster:DataPath", _data.Path),
            ("Cluster:Membership:Provider", "PostgreSql"),
            ("Cluster:Membership:ConnectionString", ConnectionString),
            ("Cluster:PublishingPoints:Store", store));

        services.GetRequiredService<IPublishingPointStore>().ShouldBeOfType(expected);
    }

    [Fact]
    public async Task AddPublishingPointStore_StoreRegisteredBefore_Kept()
    {
        var mine = new InMemoryPublishingPointStore();
        var collection = new ServiceCollection().AddSingleton<IPublishingPointStore>(mine);
        collection.AddPublishingPointStore(Configuration(("Cluster:DataPath", _data.Path)));
        await using var services = collection.BuildServiceProvider();

        services.GetRequiredService<IPublishingPointStore>().ShouldBeSameAs(mine);
    }

    [Fact]
    public async Task HostStart_PostgreSqlStoreWithoutConnectionString_FailsNamingTheSetting()
    {
        using var host = BuildHost(("Cluster:PublishingPoints:Store", "PostgreSql"));

        var exception = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        exception.Message.ShouldContain("Cluster:Membership:ConnectionString");
    }

    [Fact]
    public async Task HostStart_UnknownStore_Fails()
    {
        using var host = BuildHost(("Cluster:PublishingPoints:Store", "Floppy"));

        var exception = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        exception.Message.ShouldContain("Cluster:PublishingPoints:Store");
    }

    [Fact]
    public async Task HostStart_UndefinedStoreNumber_FailsListingTheStores()
    {
        using var host = BuildHost(("Cluster:PublishingPoints:Store", "7"));

        var exception = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        exception.Message.ShouldContain("InMemory, File, PostgreSql");
    }

    [Fact]
    public async Task HostStart_DefaultFileStore_StartsWithoutCreatingTheFolder()
    {
        using var host = BuildHost(("Cluster:DataPath", _data.Path));

        await host.StartAsync();
        await host.StopAsync();

        Directory.Exists(Path.Combine(_data.Path, "points")).ShouldBeFalse();
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static ServiceProvider Build(params (string Key, string Value)[] settings) =>
        new ServiceCollection().AddPublishingPointStore(Configuration(settings)).BuildServiceProvider(validateScopes: true);

    private static IHost BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddPublishingPointStore(Configuration(settings));
        return builder.Build();
    }
}
