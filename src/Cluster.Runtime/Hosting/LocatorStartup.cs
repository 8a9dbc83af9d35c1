using Cluster.Runtime.GrainDirectory;
using Microsoft.Extensions.Hosting;

namespace Cluster.Runtime.Hosting;

/// <summary>Creates the <see cref="GrainLocator"/> when the host starts, so it follows membership from the beginning.</summary>
internal sealed class LocatorStartup(GrainLocator locator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(locator);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
