namespace Cluster.Contracts.PublishingPoints;

/// <summary>Which silo hosts something, as an operator names it.</summary>
/// <param name="Name">The silo's name (<c>Cluster:Silo:Name</c>; <c>deploy/cluster-start.sh</c> gives <c>silo-1</c>, ...).</param>
/// <param name="Address">Its Orleans address, <c>ip:port@generation</c>.</param>
[GenerateSerializer, Immutable]
public sealed record SiloInfo(string Name, string Address);
