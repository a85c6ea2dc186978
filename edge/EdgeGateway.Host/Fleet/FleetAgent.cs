using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Fleet;

/// <summary>
/// The box's side of fleet configuration: takes the relay's desired document, validates it with <c>run</c>'s own
/// validators, waits while a critical alarm is raised by a part it would restart, keeps it durably before applying
/// it, watches the health gates for <c>Fleet:HealthWatch</c> and goes back to the last good document when one fails.
/// Every decision is reported on <c>config/reported</c> and kept, so it is said again after every connect.
/// One consumer makes every decision, so none of them races another.
/// </summary>
internal sealed partial class FleetAgent : BackgroundService
{
    /// <summary>How often deadlines (deferral, warm-up, end of watch) are looked at while nothing else happens.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(10);

    private readonly FleetStore _store;
    private readonly FleetLayering _layering;
    private readonly IFleetConfigChannel _channel;
    private readonly FleetHealthGates _gates;
    private readonly CriticalAlarms _alarms;
    private readonly Func<IConfiguration, IReadOnlyList<string>> _validate;
    private readonly FleetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetAgent> _logger;
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private DesiredConfig? _inForce;
    private ConfigReport? _lastReport;
    private Deferral? _deferral;
    private ActiveWatch? _watch;

    public FleetAgent(FleetStore store, FleetLayering layering, IFleetConfigChannel channel, FleetHealthGates gates, CriticalAlarms alarms,
        Func<IConfiguration, IReadOnlyList<string>> validate, IOptions<FleetOptions> options, TimeProvider time, ILogger<FleetAgent> logger)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(alarms);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _layering = layering;
        _channel = channel;
        _gates = gates;
        _alarms = alarms;
        _validate = validate;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _inForce = store.InForce();
        _lastReport = store.LastReport();

        // A watch a previous start left unfinished (the loader counted it) is watched again from the start.
        if (store.Watch() is { } watch && _inForce is { } inForce && watch.Version == inForce.Version && watch.Sha256 == inForce.Sha256)
        {
            _watch = new ActiveWatch(inForce, time.GetUtcNow(), null, []);
        }

        // Set before the uplink connects, so it subscribes; the handlers only queue.
        channel.DesiredReceived = payload => _events.Writer.TryWrite(payload.ToArray());
        channel.Subscribed = () => _events.Writer.TryWrite(Connected.Instance);
        alarms.Changed = () => _events.Writer.TryWrite(AlarmsChanged.Instance);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var tick = new CancellationTokenSource(TickInterval, _time))
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token))
            {
                try
                {
                    await _events.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // A tick: look at the deadlines.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            while (_events.Reader.TryRead(out var next))
            {
                await GuardAsync(next switch
                {
                    byte[] payload => () => HandleDesiredAsync(payload, stoppingToken),
                    Connected => () => ResendAsync(stoppingToken),
                    _ => () => Task.CompletedTask,
                }).ConfigureAwait(false);
            }

            await GuardAsync(() => TickAsync(stoppingToken)).ConfigureAwait(false);
        }
    }

    /// <summary>A fleet step that fails (a full disk, a broken document) is logged; it never stops the service and its alarms.</summary>
    private async Task GuardAsync(Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Configuration from afar must never take the box down.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.StepFailed(_logger, ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>One desired document as received on <c>config/desired</c>.</summary>
    public async Task HandleDesiredAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (!DesiredConfig.TryDecode(payload.Span, out var desired, out var problem))
        {
            if (ReadableVersion(payload.Span) is long version)
            {
                await ReportAsync(version, ReadableSha(payload.Span), FleetConfigStatus.Invalid, [problem!], [], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Log.Unreadable(_logger, problem!);
            }

            return;
        }

        // Delivered again (QoS 1, or on connect before the relay saw the report): say the same again, do nothing else.
        if (_lastReport is { } last && last.Version == desired!.Version && last.Sha256 == desired.Sha256)
        {
            await SendAsync(last, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_inForce is { } inForce && inForce.Version == desired!.Version && inForce.Sha256 == desired.Sha256 && _watch is null)
        {
            await ReportAsync(desired.Version, desired.Sha256, FleetConfigStatus.Applied, ["already in force"], [], cancellationToken).ConfigureAwait(false);
            return;
        }

        var lines = FleetKeys.Problems(desired!.Document).Concat(Validate(desired.Document)).ToList();

        if (lines.Count > 0)
        {
            Log.Refused(_logger, desired.Version, string.Join("; ", lines));
            await ReportAsync(desired.Version, desired.Sha256, FleetConfigStatus.Invalid, lines, [], cancellationToken).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        _deferral = new Deferral(desired, now + _options.MaxDeferral);
        await TryApplyDeferredAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The validators' lines; a value the options cannot even bind (a word for a number) is one line too.</summary>
    private IReadOnlyList<string> Validate(JsonObject document)
    {
        try
        {
            return _validate(_layering.Compose(document));
        }
        catch (InvalidOperationException ex)
        {
            return [ex.Message];
        }
    }

    /// <summary>After every connect: the last report again, in case the relay missed it.</summary>
    public Task ResendAsync(CancellationToken cancellationToken = default) =>
        _lastReport is { } last ? SendAsync(last, cancellationToken) : Task.CompletedTask;

    /// <summary>Looks at the deadlines: a deferral that may end, the watch's warm-up and its end.</summary>
    public async Task TickAsync(CancellationToken cancellationToken = default)
    {
        await TryApplyDeferredAsync(cancellationToken).ConfigureAwait(false);
        if (_watch is not { } watch)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var warmUp = _options.HealthWatch / 4 < MaxWarmUp ? _options.HealthWatch / 4 : MaxWarmUp;
        if (watch.Baseline is null && now >= watch.Started + warmUp)
        {
            _watch = watch = watch with { Baseline = _gates.Baseline(now) };
        }

        if (now < watch.Started + _options.HealthWatch || watch.Baseline is null)
        {
            return;
        }

        _watch = null;
        var gates = _gates.Evaluate(watch.Baseline, now);
        var failed = gates.Where(g => !g.Passed).ToList();
        if (failed.Count == 0)
        {
            _store.Commit();
            Log.Applied(_logger, watch.Desired.Version);
            await ReportAsync(watch.Desired.Version, watch.Desired.Sha256, FleetConfigStatus.Applied, watch.Lines, gates, cancellationToken).ConfigureAwait(false);
            return;
        }

        var lastGood = _store.RollBack();
        _inForce = lastGood;
        _layering.Swap(lastGood?.Document);
        var lines = failed.Select(g => g.Value).Append($"back to {FleetStore.Describe(lastGood)}").ToList();
        Log.RolledBack(_logger, watch.Desired.Version, string.Join("; ", lines));
        await ReportAsync(watch.Desired.Version, watch.Desired.Sha256, FleetConfigStatus.RolledBack, lines, gates, cancellationToken).ConfigureAwait(false);
    }

    private async Task TryApplyDeferredAsync(CancellationToken cancellationToken)
    {
        if (_deferral is not { } deferral)
        {
            return;
        }

        var desired = deferral.Desired;
        var before = _layering.Merged(_inForce?.Document);
        var after = _layering.Merged(desired.Document);
        var now = _time.GetUtcNow();
        var lines = new List<string>();
        if (_alarms.Blocking(FleetParts.Restarted(before, after)) is { } alarm)
        {
            if (now < deferral.Deadline)
            {
                if (!deferral.Reported)
                {
                    _deferral = deferral with { Reported = true };
                    var line = $"waiting for critical alarm '{alarm.Kind}' of {alarm.Part} to clear before restarting it (at most {_options.MaxDeferral:c})";
                    Log.Deferred(_logger, desired.Version, line);
                    await ReportAsync(desired.Version, desired.Sha256, FleetConfigStatus.Deferred, [line], [], cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            lines.Add($"applied with critical alarm '{alarm.Kind}' of {alarm.Part} still raised after waiting {_options.MaxDeferral:c}");
        }

        _deferral = null;
        var startOnly = FleetParts.StartOnly(before, after);
        if (startOnly.Count > 0)
        {
            lines.Add($"takes effect at the next start of the service: {string.Join(", ", startOnly)}");
        }

        // Durable first: a power cut after this starts on the new document and resumes its watch.
        _store.BeginApply(desired, now);
        _inForce = desired;
        _layering.Swap(desired.Document);
        _watch = new ActiveWatch(desired, now, null, lines);
        Log.Applying(_logger, desired.Version, _options.HealthWatch);
        await ReportAsync(desired.Version, desired.Sha256, FleetConfigStatus.Pending, lines, [], cancellationToken).ConfigureAwait(false);
    }

    private async Task ReportAsync(long version, string sha256, string status, IReadOnlyList<string> lines, IReadOnlyList<FleetGate> gates, CancellationToken cancellationToken)
    {
        var report = new ConfigReport(version, sha256, status, lines, gates, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _lastReport = report;
        _store.SaveReport(report);
        await SendAsync(report, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendAsync(ConfigReport report, CancellationToken cancellationToken)
    {
        var result = await _channel.ReportAsync(report.Encode(), cancellationToken).ConfigureAwait(false);
        if (result.Outcome != Core.Outbox.UplinkSendOutcome.Confirmed)
        {
            // Kept on disk and sent again after the next connect.
            var reason = result.Reason ?? "not confirmed";
            Log.ReportNotSent(_logger, report.Version, report.Status, reason);
        }
    }

    /// <summary>The version of a payload that was refused, when it has one, so the refusal can name it.</summary>
    private static long? ReadableVersion(ReadOnlySpan<byte> payload)
    {
        try
        {
            return payload.Length <= FleetDocument.MaxBytes && JsonNode.Parse(payload) is JsonObject root
                && root["version"] is JsonValue value && value.TryGetValue<long>(out var version) && version > 0
                ? version
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ReadableSha(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonNode.Parse(payload) is JsonObject root && root["sha256"] is JsonValue value && value.TryGetValue<string>(out var sha) ? sha : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private sealed record Deferral(DesiredConfig Desired, DateTimeOffset Deadline, bool Reported = false);

    private sealed record ActiveWatch(DesiredConfig Desired, DateTimeOffset Started, GateBaseline? Baseline, IReadOnlyList<string> Lines);

    private sealed class Connected
    {
        public static readonly Connected Instance = new();
    }

    private sealed class AlarmsChanged
    {
        public static readonly AlarmsChanged Instance = new();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostLogEvents.FleetUnreadable, Level = LogLevel.Warning, Message = "Fleet configuration ignored: {Problem}")]
        public static partial void Unreadable(ILogger logger, string problem);

        [LoggerMessage(EventId = HostLogEvents.FleetRefused, Level = LogLevel.Warning, Message = "Fleet configuration version {Version} is invalid, nothing changed: {Lines}")]
        public static partial void Refused(ILogger logger, long version, string lines);

        [LoggerMessage(EventId = HostLogEvents.FleetDeferred, Level = LogLevel.Warning, Message = "Fleet configuration version {Version} deferred: {Line}")]
        public static partial void Deferred(ILogger logger, long version, string line);

        [LoggerMessage(EventId = HostLogEvents.FleetApplying, Level = LogLevel.Information, Message = "Fleet configuration version {Version} applied; watching health for {Watch}")]
        public static partial void Applying(ILogger logger, long version, TimeSpan watch);

        [LoggerMessage(EventId = HostLogEvents.FleetApplied, Level = LogLevel.Information, Message = "Fleet configuration version {Version} passed its health watch; it is the last good one")]
        public static partial void Applied(ILogger logger, long version);

        [LoggerMessage(EventId = HostLogEvents.FleetRolledBack, Level = LogLevel.Warning, Message = "Fleet configuration version {Version} rolled back: {Lines}")]
        public static partial void RolledBack(ILogger logger, long version, string lines);

        [LoggerMessage(EventId = HostLogEvents.FleetStepFailed, Level = LogLevel.Error, Message = "Fleet configuration step failed ({Type}: {Reason}); the box runs on as it was")]
        public static partial void StepFailed(ILogger logger, string type, string reason);

        [LoggerMessage(EventId = HostLogEvents.FleetReportNotSent, Level = LogLevel.Debug, Message = "Fleet report {Status} of version {Version} not sent yet ({Reason}); it is sent again after the next connect")]
        public static partial void ReportNotSent(ILogger logger, long version, string status, string reason);
    }
}
