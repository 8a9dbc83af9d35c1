using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Runtime.Transport;

/// <summary>Maps the server end of silo-to-silo grain calls.</summary>
public static class GrainCallEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /cluster/v1/grains/{grainType}/{method}?key=...</c>, which runs grain calls from other silos on this
    /// silo's activations. Needs <see cref="GrainCallServiceCollectionExtensions.AddClusterGrainCalls"/>. For h2c between
    /// silos, configure the Kestrel endpoint with <c>Protocols = HttpProtocols.Http2</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">AddClusterGrainCalls was not called, or two methods of one grain type share a wire id.</exception>
    public static IEndpointConventionBuilder MapClusterGrainCalls(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var handler = endpoints.ServiceProvider.GetService<GrainCallEndpoint>()
            ?? throw new InvalidOperationException("Call services.AddClusterGrainCalls() before MapClusterGrainCalls().");
        return endpoints.MapPost(GrainCallWire.RoutePattern, handler.HandleAsync).WithDisplayName("Cluster grain calls");
    }
}
