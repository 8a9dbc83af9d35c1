namespace Cluster.Runtime;

/// <summary>Marker for grain interfaces, as in Orleans.</summary>
public interface IGrain;

/// <summary>A grain whose identity is a string key, such as <c>live/event1</c>.</summary>
public interface IGrainWithStringKey : IGrain;
