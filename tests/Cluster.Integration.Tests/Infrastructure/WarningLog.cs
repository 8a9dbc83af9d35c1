using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Keeps a node's warnings and errors, so a test can check that a refusal logged exactly one line.</summary>
public sealed class WarningLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The lines logged with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<string> WithEvent(int eventId) => [.. _lines.Where(line => line.Contains($"[{eventId}] ", StringComparison.Ordinal))];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(WarningLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._lines.Enqueue($"{category}[{eventId.Id}] {formatter(state, exception)}");
            }
        }
    }
}
