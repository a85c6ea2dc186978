using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink.Tests;

/// <summary>Keeps every log line, so a test can check what an operator would read.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, int EventId, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, int EventId, string Text)> Lines => _lines.ToArray();

    public IEnumerable<string> TextOf(int eventId) => Lines.Where(l => l.EventId == eventId).Select(l => l.Text);

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel, int, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, eventId.Id, formatter(state, exception) + (exception is null ? "" : " | " + exception)));
    }
}
