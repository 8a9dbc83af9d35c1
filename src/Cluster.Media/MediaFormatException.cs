namespace Cluster.Media;

/// <summary>Input that does not follow the format; the message says what is wrong in words fit for a 400 answer and a log line.</summary>
public sealed class MediaFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MediaFormatException(string message)
        : base(message)
    {
    }
}
