namespace Cluster.Runtime.References;

/// <summary>One <c>AddGrain</c> call: a grain interface and the class implementing it.</summary>
internal sealed record GrainRegistration(Type InterfaceType, Type GrainClass, GrainInterfaceMetadata Interface);
