using EdgeGateway.Core.Alerts;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Vision.Tests;

/// <summary>
/// The real pipeline from <see cref="VisionServiceCollectionExtensions.AddEdgeVision"/> with a
/// configuration given as key/value pairs and a recording alert sink.
/// </summary>
internal sealed class VisionHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _stop = new();

    private readonly IConfigurationRoot _configuration;
    private readonly ReloadableSettings _settings;

    private VisionHarness(ServiceProvider services, IConfigurationRoot configuration, ReloadableSettings settings, RecordingAlertSink sink, StringWriterLoggerProvider logs)
    {
        _services = services;
        _configuration = configuration;
        _settings = settings;
        Sink = sink;
        Logs = logs;
        Pipeline = services.GetRequiredService<VisionPipeline>();
    }

    public RecordingAlertSink Sink { get; }

    public VisionPipeline Pipeline { get; }

    public StringWriterLoggerProvider Logs { get; }

    public static VisionHarness Create(IDictionary<string, string?> settings)
    {
        var source = new ReloadableSettings(WithModels(settings));
        var configuration = new ConfigurationBuilder().Add(source).Build();
        var sink = new RecordingAlertSink(TimeProvider.System);
        var logs = new StringWriterLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information))
            .AddSingleton<IAlertSink>(sink)
            .AddEdgeVision(configuration)
            .BuildServiceProvider();
        return new VisionHarness(services, configuration, source, sink, logs);
    }

    /// <summary>Replaces the whole configuration and reloads it, as the host does when a fleet document is applied.</summary>
    public void Reload(IDictionary<string, string?> settings)
    {
        _settings.Replace(WithModels(settings));
        _configuration.Reload();
    }

    private static Dictionary<string, string?> WithModels(IDictionary<string, string?> settings) => new(settings)
    {
        ["Models:CacheDir"] = TestModels.CacheDir,
        ["Models:SharedDir"] = RepoPaths.SharedFile("models"),
        ["Models:ManifestDir"] = RepoPaths.Seeds("models"),
    };

    public Task StartAsync() => Pipeline.StartAsync(_stop.Token);

    /// <summary>Stops every camera; once it returns, no further alert can arrive at the sink.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Pipeline.StopAsync(CancellationToken.None);
    }

    /// <summary>Polls until the condition holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Pipeline.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        _stop.Dispose();
    }
}

/// <summary>Collects log lines so tests can check what an operator would read.</summary>
internal sealed class StringWriterLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(StringWriterLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}

/// <summary>A configuration provider whose data a test replaces; <see cref="IConfigurationRoot.Reload"/> loads it and fires the reload token.</summary>
internal sealed class ReloadableSettings(IDictionary<string, string?> initial) : ConfigurationProvider, IConfigurationSource
{
    private Dictionary<string, string?> _pending = new(initial, StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void Replace(IDictionary<string, string?> settings) => _pending = new(settings, StringComparer.OrdinalIgnoreCase);

    public override void Load() => Data = new Dictionary<string, string?>(_pending, StringComparer.OrdinalIgnoreCase);
}
