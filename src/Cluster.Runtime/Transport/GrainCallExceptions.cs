namespace Cluster.Runtime;

/// <summary>
/// The silo a grain call was sent to could not be reached or the connection failed before a response arrived
/// (connection refused, connect timeout, connection reset). The call may or may not have run if the connection broke
/// after the request was sent.
/// </summary>
public class SiloUnavailableException : GrainCallException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="siloEndpoint">The endpoint the call was sent to.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The transport error.</param>
    public SiloUnavailableException(string siloEndpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        SiloEndpoint = siloEndpoint;
    }

    /// <summary>The endpoint the call was sent to, e.g. <c>10.0.0.5:11111</c>.</summary>
    public string SiloEndpoint { get; }

    /// <summary>No connection could be made, so the call certainly did not run and may be sent elsewhere.</summary>
    public bool NotSent { get; init; }
}

/// <summary>
/// Grain code on another silo threw an exception whose type cannot be recreated at the caller (not one of the known
/// exception types); the remote type name and message are kept.
/// </summary>
public class RemoteGrainException : GrainCallException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="remoteExceptionType">Full type name of the exception thrown on the remote silo.</param>
    /// <param name="message">The remote exception's message.</param>
    public RemoteGrainException(string remoteExceptionType, string message)
        : base(message)
    {
        RemoteExceptionType = remoteExceptionType;
    }

    /// <summary>Full type name of the exception thrown on the remote silo, e.g. <c>MyApp.QuotaExceededException</c>.</summary>
    public string RemoteExceptionType { get; }
}
