namespace Cluster.Runtime.Tests;

public sealed class GrainCollectionOptionsTests
{
    [Fact]
    public void Defaults_NewOptions_MatchOrleans()
    {
        var options = new GrainCollectionOptions();

        options.CollectionAge.ShouldBe(TimeSpan.FromMinutes(15));
        options.CollectionQuantum.ShouldBe(TimeSpan.FromMinutes(1));
        options.DeactivationTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        new GrainCollectionOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(0, 60, 30, "CollectionAge")]
    [InlineData(900, 0, 30, "CollectionQuantum")]
    [InlineData(900, 172800, 30, "CollectionQuantum")]
    [InlineData(900, 60, -1, "DeactivationTimeout")]
    public void Validate_BadValue_FailsNamingIt(int ageSeconds, int quantumSeconds, int timeoutSeconds, string name)
    {
        var options = new GrainCollectionOptions
        {
            CollectionAge = TimeSpan.FromSeconds(ageSeconds),
            CollectionQuantum = TimeSpan.FromSeconds(quantumSeconds),
            DeactivationTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        };

        var result = new GrainCollectionOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(name);
    }
}
