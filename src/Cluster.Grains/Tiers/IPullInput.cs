using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Tiers;

/// <summary>A running pull input of one point. Disposing it cancels it without waiting (it may be in a call to the point).</summary>
internal interface IPullInput : IAsyncDisposable
{
    /// <summary>The settings it runs with.</summary>
    PullInputSettings Settings { get; }

    /// <summary>Its statistics.</summary>
    PullInputStatus Status { get; }
}
