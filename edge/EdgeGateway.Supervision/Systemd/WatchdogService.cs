using System.Globalization;
using System.Net.Sockets;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Supervision.Systemd;

/// <summary>
/// Pings the systemd watchdog (<c>WATCHDOG=1</c>) every <c>WATCHDOG_USEC</c>/2, but only while
/// every registered part has made progress within its deadline. When one stalls it stops pinging
/// and logs, once, which part and for how long, so systemd kills and restarts the service. Each
/// notification also carries <c>STATUS=</c>, the program's one-line state. Without
/// <c>NOTIFY_SOCKET</c> it does nothing; without <c>WATCHDOG_USEC</c> it only updates the status.
/// </summary>
public sealed partial class WatchdogService(
    NotifySettings settings,
    ProgressRegistry progress,
    IEnumerable<IStatusLine> status,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<WatchdogService> logger) : BackgroundService
{
    /// <summary>How often <c>STATUS=</c> is refreshed when there is no watchdog to ping.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(10);

    private readonly IStatusLine? _status = status.LastOrDefault();
    private string? _reportedStall;
    private bool _sendFailed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Socket is not { } path)
        {
            return;
        }

        if (settings.Problem is { } problem)
        {
            Log.NotPinging(logger, problem);
        }

        // Pings start once the host is up, after READY=1.
        if (!await WaitForStartAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        using var socket = new NotifySocket(path);
        var interval = settings.PingInterval ?? StatusInterval;
        Log.Started(logger, path, settings.PingInterval?.TotalSeconds);
        // The first round comes at once; the interval counts from when it was sent. It carries READY=1
        // itself: the host's systemd lifetime says READY=1 from its own ApplicationStarted callback,
        // which may run after this one, and systemd must never see a ping before it (a repeat is harmless).
        Notify(socket, ready: true);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Notify(socket);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: the ping (when healthy) and the status line, in one datagram, after READY=1 when <paramref name="ready"/>.</summary>
    internal void Notify(NotifySocket socket, bool ready = false)
    {
        var stall = progress.FindStall();
        string message;
        if (stall is null)
        {
            if (_reportedStall is { } recovered)
            {
                Log.Recovered(logger, recovered);
                _reportedStall = null;
            }

            var line = "STATUS=" + OneLine(_status?.Describe() ?? "running");
            message = settings.PingInterval is null ? line : "WATCHDOG=1\n" + line;
        }
        else
        {
            var seconds = Math.Round(stall.SinceLastBeat.TotalSeconds);
            if (_reportedStall != stall.Part)
            {
                _reportedStall = stall.Part;
                var quiet = Math.Round(stall.SinceLastBeat.TotalSeconds, 1);
                Log.Stalled(logger, stall.Part, quiet, stall.Deadline.TotalSeconds);
            }

            message = string.Create(CultureInfo.InvariantCulture, $"STATUS=stalled: {stall.Part}, no progress for {seconds:0} s");
        }

        if (ready)
        {
            message = "READY=1\n" + message;
        }

        try
        {
            socket.Send(message);
            _sendFailed = false;
        }
        catch (SocketException ex)
        {
            if (!_sendFailed)
            {
                _sendFailed = true;
                Log.SendFailed(logger, socket.Path, ex.Message);
            }
        }
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static partial class Log
    {
        [LoggerMessage(EventId = SupervisionEventIds.WatchdogStarted, Level = LogLevel.Information, Message = "Notifying systemd at {Socket}; watchdog ping every {Seconds} s (none: status only)")]
        public static partial void Started(ILogger logger, string socket, double? seconds);

        [LoggerMessage(EventId = SupervisionEventIds.PartStalled, Level = LogLevel.Critical, Message = "Watchdog: {Part} made no progress for {Seconds} s (deadline {Deadline} s); no more watchdog pings, so systemd restarts the service")]
        public static partial void Stalled(ILogger logger, string part, double seconds, double deadline);

        [LoggerMessage(EventId = SupervisionEventIds.PartRecovered, Level = LogLevel.Warning, Message = "Watchdog: {Part} is making progress again; pinging again")]
        public static partial void Recovered(ILogger logger, string part);

        [LoggerMessage(EventId = SupervisionEventIds.NotifyFailed, Level = LogLevel.Warning, Message = "Could not notify systemd at {Socket}: {Error}")]
        public static partial void SendFailed(ILogger logger, string socket, string error);

        [LoggerMessage(EventId = SupervisionEventIds.WatchdogDisabled, Level = LogLevel.Warning, Message = "{Problem}")]
        public static partial void NotPinging(ILogger logger, string problem);
    }
}
