namespace Cluster.Runtime;

/// <summary>Identity of a grain: its type name and string key, e.g. <c>trackgrain/live/event1/video_400000</c>.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Type}/{Key}";
}
