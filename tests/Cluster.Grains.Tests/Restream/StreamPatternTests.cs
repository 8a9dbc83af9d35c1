using Cluster.Contracts.Restream;

namespace Cluster.Grains.Tests.Restream;

public sealed class StreamPatternTests
{
    [Theory]
    [InlineData("mylive/*", "mylive/a", true)]
    [InlineData("mylive/*", "mylive/b/c", true)]
    [InlineData("mylive/*", "mylive", false)]
    [InlineData("mylive/*", "other/mylive/a", false)]
    [InlineData("*", "anything/at/all", true)]
    [InlineData("football", "football", true)]
    [InlineData("football", "FootBall", true)]
    [InlineData("football", "football2", false)]
    [InlineData("foot*", "football", true)]
    [InlineData("*ball", "football", true)]
    [InlineData("f*t*l", "football", true)]
    [InlineData("f*t*x", "football", false)]
    [InlineData("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("live/*/hd", "live/event1/hd", true)]
    [InlineData("live/*/hd", "live/event1/sd", false)]
    public void Matches_Patterns(string pattern, string name, bool expected) =>
        StreamPattern.Matches(pattern, name).ShouldBe(expected);

    [Theory]
    [InlineData("mylive/*")]
    [InlineData("*")]
    [InlineData("football")]
    public void Validate_UsablePatterns_Null(string pattern) => StreamPattern.Validate(pattern).ShouldBeNull();

    [Theory]
    [InlineData("")]
    [InlineData("../*")]
    [InlineData("live/../x")]
    [InlineData("live\\x")]
    public void Validate_BadPatterns_Reason(string pattern) => StreamPattern.Validate(pattern).ShouldNotBeNull();
}
