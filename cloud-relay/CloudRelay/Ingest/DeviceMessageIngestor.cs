using System.Buffers;
using System.Text;
using CloudRelay.Devices;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Contracts.Evidence;

namespace CloudRelay.Ingest;

public enum IngestOutcome
{
    /// <summary>New and durable: acknowledge.</summary>
    Stored,

    /// <summary>Already stored earlier: acknowledge, nothing new was written.</summary>
    Duplicate,

    /// <summary>Bad payload or wrong identity: acknowledge with an error code, never retried into storage.</summary>
    Rejected,

    /// <summary>Storage failed: do not acknowledge, so the sender delivers it again.</summary>
    Failed,
}

/// <summary>What happened to one message; <see cref="Error"/> is one line for logs and reason strings.</summary>
public readonly record struct IngestResult(IngestOutcome Outcome, string? Reason = null, string? Error = null, Alert? Alert = null);

/// <summary>An alert queued for storage; <see cref="Outcome"/> completes once it is durable (or failed), and never faults.</summary>
public readonly record struct AlertAdmission(Task<IngestResult> Outcome);

/// <summary>
/// Takes what a device sends besides its evidence, for both broker heads (through <see cref="MessageRouter"/>): alerts
/// (decoded as CBOR or JSON, checked against the topic's device, stored by the group-commit writer), its state (birth
/// and Last Will), its activity (last seen) and its snapshots. Bad input is counted and answered, never thrown.
/// </summary>
public sealed partial class DeviceMessageIngestor(
    AlertWriter writer,
    DeviceRegistry devices,
    IRelayStore store,
    RelayCounters counters,
    Evidence.ClipLedger disk,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<DeviceMessageIngestor> logger)
{
    /// <summary>A second, different snapshot for an alert that has one: refused, the first kept.</summary>
    public const string SnapshotExists = "snapshot_exists";


    // A device that sends garbage on purpose is counted every time but logged once a minute per reason.
    private readonly LogThrottle _logThrottle = new(time);
    private readonly SnapshotBudget _snapshotBudget = new(options.Value.DataDir, options.Value.Limits.MaxSnapshotBytesPerDevice);

    /// <summary>Decodes, checks and stores one alert; returns once it is durable (or rejected, or failed).</summary>
    public async Task<IngestResult> IngestAlertAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var admission = await AdmitAlertAsync(topic, payload, cancellationToken);
        return await admission.Outcome.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Decodes and checks the alert before returning (so the payload buffer may be reused right after) and queues
    /// it for storage. Returns once it is queued; the returned task, which never faults, gives the outcome once
    /// the alert is durable. Lets a connection read its next alert while this one waits for its commit.
    /// </summary>
    public async ValueTask<AlertAdmission> AdmitAlertAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        counters.CountReceived();
        var decoded = Decode(payload);
        if (decoded.Outcome == IngestOutcome.Rejected)
        {
            return new AlertAdmission(Task.FromResult(Reject(topic, decoded.Reason!, decoded.Error!)));
        }

        var alert = decoded.Alert!;
        if (alert.SiteId != topic.Site || alert.DeviceId != topic.Device)
        {
            return new AlertAdmission(Task.FromResult(Reject(topic, RejectReasons.IdentityMismatch,
                $"alert says device '{alert.SiteId}/{alert.DeviceId}' but was published under '{topic.Site}/{topic.Device}'")));
        }

        Task<bool> stored;
        try
        {
            stored = await writer.EnqueueAsync(alert, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            counters.CountStoreFailure();
            return new AlertAdmission(Task.FromResult(new IngestResult(IngestOutcome.Failed, Error: ex.Message)));
        }

        return new AlertAdmission(OutcomeAsync(stored, alert));
    }

    private async Task<IngestResult> OutcomeAsync(Task<bool> stored, Alert alert)
    {
        try
        {
            if (await stored)
            {
                counters.CountStored();
                return new IngestResult(IngestOutcome.Stored, Alert: alert);
            }

            counters.CountDuplicate();
            return new IngestResult(IngestOutcome.Duplicate, Alert: alert);
        }
        catch (Exception ex)
        {
            // A failed or abandoned commit: the alert is not stored, and the sender must deliver it again.
            counters.CountStoreFailure();
            return new IngestResult(IngestOutcome.Failed, Error: ex.Message);
        }
    }

    /// <summary>
    /// Retained birth (<c>online</c>) or Last Will (<c>offline</c>) on <c>edge/{site}/{device}/state</c>. A JSON
    /// state that names a site or device must name the device that sent it, as on every other channel.
    /// </summary>
    public async Task<IngestResult> HandleStateAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (ForeignDevice(topic, payload) is { } mismatch)
        {
            return mismatch;
        }

        var text = payload.Length is > 0 and < 256 ? Encoding.UTF8.GetString(payload).Trim().Trim('"') : string.Empty;
        bool? online = text.ToLowerInvariant() switch
        {
            "online" or "1" or "true" => true,
            "offline" or "0" or "false" => false,
            _ => null,
        };
        if (online is null && text.Contains("offline", StringComparison.OrdinalIgnoreCase))
        {
            online = false;
        }
        else if (online is null && text.Contains("online", StringComparison.OrdinalIgnoreCase))
        {
            online = true;
        }

        await MarkSafelyAsync(topic.Site, topic.Device, online, cancellationToken);
        if (online == true)
        {
            CameOnline?.Invoke(topic.Site, topic.Device);
        }

        return new IngestResult(IngestOutcome.Stored);
    }

    /// <summary>Raised when a device's state says it is online (its birth message).</summary>
    public event Action<string, string>? CameOnline;

    /// <summary>
    /// Status and telemetry move last seen, and a telemetry backlog report (<see cref="BacklogReport"/>) records the
    /// box's outbox depth. A JSON payload that names a site or device must name the device that sent it; otherwise it
    /// is rejected as an identity mismatch.
    /// </summary>
    public async Task<IngestResult> HandleActivityAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (ForeignDevice(topic, payload) is { } mismatch)
        {
            return mismatch;
        }

        if (topic.Channel == EdgeChannel.Telemetry && payload.IsSingleSegment && BacklogReport.TryRead(payload.FirstSpan) is { } report)
        {
            await devices.RecordBacklogAsync(topic.Site, topic.Device, report.Depth, cancellationToken);
            return new IngestResult(IngestOutcome.Stored);
        }

        await MarkSafelyAsync(topic.Site, topic.Device, null, cancellationToken);
        return new IngestResult(IngestOutcome.Stored);
    }

    /// <summary>The rejection when a JSON payload names a site or device other than the sender; null when it does not.</summary>
    private IngestResult? ForeignDevice(EdgeTopic topic, ReadOnlySequence<byte> payload) =>
        NamedDevice(payload) is { } named && (named.Site is { } site && site != topic.Site || named.Device is { } device && device != topic.Device)
            ? Reject(topic, RejectReasons.IdentityMismatch,
                $"{topic.Channel.ToString().ToLowerInvariant()} says device '{named.Site}/{named.Device}' but was published under '{topic.Site}/{topic.Device}'")
            : null;

    /// <summary>
    /// Keeps a snapshot JPEG under the data folder as <c>snapshots/{site}/{device}/{alertId}.jpg</c>. The alert it
    /// belongs to, once stored, must be the sending device's own; each device has a byte budget.
    /// </summary>
    public async Task<IngestResult> HandleSnapshotAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.Rest, out var alertId) || payload.Length is 0 or > SnapshotLimits.MaxBytes)
        {
            return Reject(topic, RejectReasons.BadTopic, $"snapshot on '{topic.Rest}' of {payload.Length} bytes; expected an alert id and 1-{SnapshotLimits.MaxBytes} bytes");
        }

        if (await store.FindAlertAsync(alertId, cancellationToken) is { } owner
            && (owner.Alert.SiteId != topic.Site || owner.Alert.DeviceId != topic.Device))
        {
            return Reject(topic, RejectReasons.IdentityMismatch,
                $"snapshot for alert {alertId:D} of '{owner.Alert.SiteId}/{owner.Alert.DeviceId}' was published under '{topic.Site}/{topic.Device}'");
        }

        var folder = Path.Combine(options.Value.DataDir, "snapshots", topic.Site, topic.Device);
        var path = Path.Combine(folder, $"{alertId:D}.jpg");
        var bytes = payload.ToArray();
        if (File.Exists(path))
        {
            return await SnapshotKeptAsync(topic, alertId, path, bytes, cancellationToken);
        }

        // Evidence stops first: the space left below the reserve is the alarms'.
        if (disk.ReserveRefusal(bytes.Length, "snapshots") is { } full)
        {
            return Reject(topic, Evidence.EvidenceIngestor.StorageFull, full);
        }

        if (!_snapshotBudget.TryReserve(topic.Site, topic.Device, path, bytes.Length))
        {
            counters.CountLimit(LimitNames.SnapshotBytes);
            return Reject(topic, LimitNames.SnapshotBytes,
                $"snapshot of {payload.Length} bytes would pass the device's {options.Value.Limits.MaxSnapshotBytesPerDevice} bytes (Relay:Limits:MaxSnapshotBytesPerDevice)");
        }

        Directory.CreateDirectory(folder);
        // Each write has its own temporary file, and the move never replaces: of two snapshots at once the first stays.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            _snapshotBudget.Release(topic.Site, topic.Device, bytes.Length);
            return await SnapshotKeptAsync(topic, alertId, path, bytes, cancellationToken);
        }

        return new IngestResult(IngestOutcome.Stored);
    }

    /// <summary>
    /// A snapshot is write-once, since a verdict may vouch for it: the same bytes again (a redelivery) are a duplicate,
    /// other bytes are refused and the first snapshot is kept.
    /// </summary>
    private async Task<IngestResult> SnapshotKeptAsync(EdgeTopic topic, Guid alertId, string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var kept = await File.ReadAllBytesAsync(path, cancellationToken);
        return kept.AsSpan().SequenceEqual(bytes)
            ? new IngestResult(IngestOutcome.Duplicate)
            : Reject(topic, SnapshotExists, $"snapshot for alert {alertId:D} differs from the one already kept ({kept.Length} bytes); the first is kept");
    }

    /// <summary>The <c>site</c> and <c>device</c> a JSON object payload names at its top level, or null for any other payload.</summary>
    private static (string? Site, string? Device)? NamedDevice(ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty || payload.Length > 64 * 1024)
        {
            return null;
        }

        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
            {
                return null;
            }

            string? site = null, device = null;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name is "site" or "device" && reader.TokenType == System.Text.Json.JsonTokenType.String)
                {
                    if (name == "site")
                    {
                        site = reader.GetString();
                    }
                    else
                    {
                        device = reader.GetString();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return site is null && device is null ? null : (site, device);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static string? SnapshotPath(string dataDir, string site, string device, Guid alertId) =>
        DeviceNames.IsValid(site) && DeviceNames.IsValid(device)
            ? Path.Combine(dataDir, "snapshots", site, device, $"{alertId:D}.jpg")
            : null;

    /// <summary>The contract's decoder (<see cref="AlertLimits.DecodeAny"/>), its refusal turned into the relay's reason. Never throws.</summary>
    public static IngestResult Decode(ReadOnlySequence<byte> payload)
    {
        var result = AlertLimits.DecodeAny(payload);
        if (result.Success)
        {
            return new IngestResult(IngestOutcome.Stored, Alert: result.Alert);
        }

        var error = result.Error ?? "alert payload could not be decoded";
        var reason = result.Kind switch
        {
            AlertDecodeError.Oversized => RejectReasons.Oversized,
            AlertDecodeError.FutureVersion => RejectReasons.FutureVersion,
            AlertDecodeError.ControlCharacter => RejectReasons.ControlCharacter,
            _ => RejectReasons.Malformed,
        };
        return new IngestResult(IngestOutcome.Rejected, reason, error);
    }

    internal IngestResult Reject(EdgeTopic topic, string reason, string error)
    {
        counters.CountReject(reason);
        if (_logThrottle.ShouldLog($"reject:{topic.Site}/{topic.Device}:{reason}"))
        {
            Log.Rejected(logger, topic.Site, topic.Device, reason, error);
        }

        return new IngestResult(IngestOutcome.Rejected, reason, error);
    }

    private async Task MarkSafelyAsync(string site, string device, bool? online, CancellationToken cancellationToken)
    {
        try
        {
            await devices.MarkAsync(site, device, online, cancellationToken);
            if (online is { } isOnline)
            {
                Log.DeviceState(logger, site, device, isOnline ? "online" : "offline");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StatusFailed(logger, site, device, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.IngestRejected, Level = LogLevel.Warning, Message = "Rejected a message from {Site}/{Device} ({Reason}): {Error}")]
        public static partial void Rejected(ILogger logger, string site, string device, string reason, string error);

        [LoggerMessage(EventId = RelayLogEvents.IngestDeviceState, Level = LogLevel.Information, Message = "Device {Site}/{Device} is {State}")]
        public static partial void DeviceState(ILogger logger, string site, string device, string state);

        [LoggerMessage(EventId = RelayLogEvents.IngestStatusFailed, Level = LogLevel.Warning, Message = "Recording the state of {Site}/{Device} failed: {Error}")]
        public static partial void StatusFailed(ILogger logger, string site, string device, string error);
    }
}
