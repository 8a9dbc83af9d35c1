namespace Cluster.Runtime.Tests;

public sealed class StableHashTests
{
    // Test vectors of FNV-1a 64 from the reference (Fowler, Noll, Vo: draft-eastlake-fnv, appendix C).
    [Theory]
    [InlineData("", 0xcbf29ce484222325)]
    [InlineData("a", 0xaf63dc4c8601ec8c)]
    [InlineData("foobar", 0x85944171f73967e8)]
    public void Compute_ReferenceVectors_Match(string text, ulong expected)
    {
        StableHash.Compute(text).ShouldBe(expected);
        StableHash.Compute(System.Text.Encoding.UTF8.GetBytes(text)).ShouldBe(expected);
    }

    [Fact]
    public void Compute_LongText_SameAsItsBytes()
    {
        var text = new string('é', 400);

        StableHash.Compute(text).ShouldBe(StableHash.Compute(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
