using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>One log line as the page shows it.</summary>
public sealed record LogLine(long Seq, DateTimeOffset Time, string Level, string Category, string Message);

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps the newest log lines in memory for the page's log
/// tail. Loggers never log secrets, so the tail holds none either.
/// </summary>
internal sealed class LogTail(TimeProvider time) : ILoggerProvider
{
    public const int Capacity = 500;
    private readonly RingBuffer<LogLine> _lines = new(Capacity);
    private long _seq;

    /// <summary>Raised for every new line; the live stream forwards it.</summary>
    public event Action<LogLine>? Written;

    public IReadOnlyList<LogLine> Lines(long after = 0) => [.. _lines.Snapshot().Where(l => l.Seq > after)];

    public ILogger CreateLogger(string categoryName) => new TailLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var text = exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})";
        var line = new LogLine(Interlocked.Increment(ref _seq), time.GetUtcNow(), LevelName(level), ShortCategory(category), text);
        _lines.Add(line);
        Written?.Invoke(line);
    }

    private static string ShortCategory(string category) =>
        category.LastIndexOf('.') is var dot and >= 0 ? category[(dot + 1)..] : category;

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class TailLogger(LogTail tail, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // The framework's own information lines (one per request) would drown the gateway's, and
        // data protection warns at every start that its key folder (mode 700) is not encrypted.
        public bool IsEnabled(LogLevel logLevel) =>
            !category.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal)
            && logLevel >= (category.StartsWith("Microsoft.", StringComparison.Ordinal) || category.StartsWith("System.", StringComparison.Ordinal)
                ? LogLevel.Warning
                : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                ArgumentNullException.ThrowIfNull(formatter);
                tail.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
