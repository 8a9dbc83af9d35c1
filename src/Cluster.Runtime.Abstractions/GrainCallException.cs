namespace Cluster.Runtime;

/// <summary>A grain call failed in the runtime rather than in grain code (activation failed, silo stopping).</summary>
public class GrainCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainCallException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
