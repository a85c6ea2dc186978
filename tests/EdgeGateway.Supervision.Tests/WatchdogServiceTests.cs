using EdgeGateway.Supervision.Progress;
using EdgeGateway.Supervision.Systemd;
using EdgeGateway.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Supervision.Tests;

/// <summary>The watchdog against a real notify socket, on a fake clock.</summary>
[Trait("Category", "Unit")]
public sealed class WatchdogServiceTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    // The watchdog arms its timer after the first round: time moves only once it waits.
    private readonly SteppedTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly NotifyListener _listener = new();
    private readonly ProgressRegistry _registry;
    private readonly CapturingLogger _log = new();

    public WatchdogServiceTests() => _registry = new ProgressRegistry(_time);

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Pings_every_half_timeout_with_the_status_line_while_every_part_makes_progress()
    {
        using var sampler = _registry.Register("elevator sampler", TimeSpan.FromSeconds(10));
        using var watchdog = Start(new NotifySettings(_listener.SocketPath, TimeSpan.FromSeconds(30)));
        await _listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) == 1, Wait, "first ping");
        // READY=1 goes with the first ping, never after it, and only once.
        Assert.Equal(["READY=1", "WATCHDOG=1"], _listener.Messages[0].Assignments.Take(2));
        await _time.WhenWaitingAsync();
        for (var i = 2; i <= 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(14));
            sampler.Beat();
            Assert.Equal(i - 1, _listener.With("WATCHDOG=1").Count);
            _time.Advance(TimeSpan.FromSeconds(1));
            await _listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) == i, Wait, $"ping {i}");
        }

        Assert.All(_listener.Messages, m => Assert.Equal("cameras 1/1 up, backlog 0, uplink connected", m.Value("STATUS")));
        Assert.Single(_listener.With("READY=1"));
    }

    [Fact]
    public async Task A_stalled_part_stops_the_pings_and_is_named_once_in_the_log()
    {
        using var sampler = _registry.Register("elevator sampler", TimeSpan.FromSeconds(10));
        using var writer = _registry.Register("outbox writer", TimeSpan.FromSeconds(30));
        using var watchdog = Start(new NotifySettings(_listener.SocketPath, TimeSpan.FromSeconds(10)));
        await _listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) == 1, Wait, "first ping");
        await _time.WhenWaitingAsync();

        // The writer keeps beating; the sampler stops.
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            writer.Beat();
            await _listener.WaitUntilAsync(m => m.Count >= i + 2, Wait, $"notification {i + 2}");
        }

        var messages = _listener.Messages;
        // Beats at 0 s; pings at 0, 5 and 10 s (10 s is not past the deadline), none after.
        Assert.Equal(3, messages.Count(m => m.Has("WATCHDOG=1")));
        Assert.Equal("stalled: elevator sampler, no progress for 30 s", messages[^1].Value("STATUS"));
        Assert.All(messages.SkipWhile(m => m.Has("WATCHDOG=1")), m => Assert.False(m.Has("WATCHDOG=1")));
        var stalled = Assert.Single(_log.Lines, l => l.Id == SupervisionEventIds.PartStalled);
        Assert.Equal(LogLevel.Critical, stalled.Level);
        Assert.Contains("elevator sampler made no progress for 15 s", stalled.Text, StringComparison.Ordinal);

        // Should it come back before systemd acts, the pings resume.
        sampler.Beat();
        _time.Advance(TimeSpan.FromSeconds(5));
        await _listener.WaitUntilAsync(m => m[^1].Has("WATCHDOG=1"), Wait, "ping after recovery");
        Assert.Single(_log.Lines, l => l.Id == SupervisionEventIds.PartRecovered);
    }

    [Fact]
    public async Task Without_a_watchdog_timeout_only_the_status_is_sent()
    {
        using var watchdog = Start(new NotifySettings(_listener.SocketPath, null));
        await _listener.WaitUntilAsync(m => m.Count == 1, Wait, "status");
        await _time.WhenWaitingAsync();
        _time.Advance(WatchdogService.StatusInterval);
        await _listener.WaitUntilAsync(m => m.Count == 2, Wait, "second status");
        Assert.Equal(["READY=1", "STATUS=cameras 1/1 up, backlog 0, uplink connected"], _listener.Messages[0].Assignments);
        Assert.Equal(["STATUS=cameras 1/1 up, backlog 0, uplink connected"], _listener.Messages[1].Assignments);
    }

    [Fact]
    public async Task An_abstract_socket_name_is_reached()
    {
        using var listener = new NotifyListener(abstractName: true);
        Assert.StartsWith("@", listener.SocketPath, StringComparison.Ordinal);
        using var watchdog = Start(new NotifySettings(listener.SocketPath, TimeSpan.FromSeconds(2)));
        await listener.WaitUntilAsync(m => m.Any(x => x.Has("WATCHDOG=1")), Wait, "ping on the abstract socket");
    }

    [Fact]
    public async Task No_ping_before_the_host_has_started()
    {
        var lifetime = new Lifetime(started: false);
        using var watchdog = Start(new NotifySettings(_listener.SocketPath, TimeSpan.FromSeconds(2)), lifetime);
        _time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Empty(_listener.Messages);
        lifetime.Start();
        await _listener.WaitUntilAsync(m => m.Any(x => x.Has("WATCHDOG=1")), Wait, "ping once started");
    }

    private RunningWatchdog Start(NotifySettings settings, Lifetime? lifetime = null)
    {
        var service = new WatchdogService(settings, _registry, [new FixedStatus()], lifetime ?? new Lifetime(started: true), _time, _log);
        service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return new RunningWatchdog(service);
    }

    private sealed class RunningWatchdog(WatchdogService service) : IDisposable
    {
        public void Dispose()
        {
            service.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            service.Dispose();
        }
    }

    private sealed class FixedStatus : IStatusLine
    {
        public string Describe() => "cameras 1/1 up, backlog 0, uplink connected";
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();

        public Lifetime(bool started)
        {
            if (started)
            {
                _started.Cancel();
            }
        }

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => _started.Cancel();

        public void StopApplication()
        {
        }

        public void Dispose() => _started.Dispose();
    }
}

/// <summary>Keeps every log line with its event id.</summary>
internal sealed class CapturingLogger : ILogger<WatchdogService>
{
    private readonly List<(int Id, LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(int Id, LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
