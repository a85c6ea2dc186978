using System.Text.Json.Serialization;
using CloudRelay.Devices;
using CloudRelay.Database;
using EdgeGateway.Contracts;

namespace CloudRelay.Api;

/// <summary>An alert as the API shows it: the contract's JSON names plus the ingest position and time.</summary>
public sealed record AlertView(
    [property: JsonPropertyName("pos")] long Position,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("ts")] long TimestampMs,
    [property: JsonPropertyName("attrs")] IReadOnlyDictionary<string, string> Attributes,
    [property: JsonPropertyName("snapshot")] string? Snapshot,
    [property: JsonPropertyName("received_ms")] long ReceivedMs)
{
    public static AlertView From(StoredAlert stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var a = stored.Alert;
        return new AlertView(stored.Position, a.Id, a.SiteId, a.DeviceId, a.Sequence, a.Kind,
            AlertJson.SeverityName(a.Severity), AlertJson.StateName(a.State), a.TimestampMs, a.Attributes, a.SnapshotRef, stored.ReceivedMs);
    }
}

/// <summary>A page of alerts; pass <see cref="Next"/> back as <c>after</c> for the next page.</summary>
public sealed record AlertPageView(
    [property: JsonPropertyName("items")] IReadOnlyList<AlertView> Items,
    [property: JsonPropertyName("next")] string? Next);

public sealed record DeviceView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("online")] bool Online,
    [property: JsonPropertyName("last_seen_ms")] long? LastSeenMs,
    [property: JsonPropertyName("has_token")] bool HasToken,
    [property: JsonPropertyName("has_certificate")] bool HasCertificate,
    [property: JsonPropertyName("backlog")] long? Backlog = null,
    [property: JsonPropertyName("backlog_ms")] long? BacklogMs = null)
{
    public static DeviceView From(DeviceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new DeviceView(record.Site, record.Device, record.Online, record.LastSeenMs, record.TokenHash is not null, record.CertificateThumbprint is not null,
            record.Backlog, record.BacklogMs);
    }
}

public sealed record CredentialsView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password)
{
    public static CredentialsView From(DeviceCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new CredentialsView(credentials.Site, credentials.Device, credentials.Username, credentials.Password);
    }
}

/// <summary>The claim's answer: the credentials, and where to connect with them (the CA too when TLS is on).</summary>
public sealed record ClaimView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password,
    [property: JsonPropertyName("broker")] string? Broker,
    [property: JsonPropertyName("ca_sha256")] string? CaSha256,
    [property: JsonPropertyName("ca_pem")] string? CaPem);

public sealed record DeviceRequest(
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("cert_thumbprint")] string? CertificateThumbprint,
    [property: JsonPropertyName("client_id")] string? ClientId = null);

public sealed record ClaimRequest(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("public_key")] string? PublicKey = null);

public sealed record ClaimCodeView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("code")] string Code);

public sealed record StatsView(
    [property: JsonPropertyName("ingest")] IngestStatsView Ingest,
    [property: JsonPropertyName("storage")] StorageStatsView Storage,
    [property: JsonPropertyName("forward")] ForwardStatsView Forward,
    [property: JsonPropertyName("devices")] DeviceStatsView Devices);

public sealed record IngestStatsView(
    [property: JsonPropertyName("received")] long Received,
    [property: JsonPropertyName("stored")] long Stored,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("rejected")] long Rejected,
    [property: JsonPropertyName("rejects")] IReadOnlyDictionary<string, long> Rejects,
    [property: JsonPropertyName("store_failures")] long StoreFailures,
    [property: JsonPropertyName("auth_failures")] long AuthFailures,
    [property: JsonPropertyName("limits")] IReadOnlyDictionary<string, long> Limits);

public sealed record StorageStatsView(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("alerts")] long Alerts);

public sealed record ForwardStatsView(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("backlog")] long Backlog,
    [property: JsonPropertyName("forwarded")] long Forwarded,
    [property: JsonPropertyName("failures")] long Failures,
    [property: JsonPropertyName("dead_letters")] long DeadLetters);

public sealed record DeviceStatsView(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("online")] int Online);

/// <summary>A case as the API, the console feed and the webhook show it.</summary>
public sealed record CaseView(
    [property: JsonPropertyName("pos")] long Position,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("opened_ms")] long OpenedMs,
    [property: JsonPropertyName("deadline_ms")] long DeadlineMs,
    [property: JsonPropertyName("acknowledged_ms")] long? AcknowledgedMs,
    [property: JsonPropertyName("resolved_ms")] long? ResolvedMs,
    [property: JsonPropertyName("overdue_ms")] long? OverdueMs,
    [property: JsonPropertyName("rectified_ms")] long? RectifiedMs,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("overdue_alert")] Guid? OverdueAlertId)
{
    public static CaseView From(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new CaseView(record.Position, record.Id, record.Site, record.Device, record.Kind, record.Subject, record.State, record.OpenedMs,
            record.DeadlineMs, record.AcknowledgedMs, record.ResolvedMs, record.OverdueMs, record.RectifiedMs, record.Note, record.OverdueAlertId);
    }
}

/// <summary>A page of cases; pass <see cref="Next"/> back as <c>after</c> for the next page.</summary>
public sealed record CasePageView(
    [property: JsonPropertyName("items")] IReadOnlyList<CaseView> Items,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>One timeline entry of a case.</summary>
public sealed record CaseTimelineView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("deadline_ms")] long DeadlineMs,
    [property: JsonPropertyName("at_ms")] long AtMs,
    [property: JsonPropertyName("actor")] string? Actor,
    [property: JsonPropertyName("note")] string? Note)
{
    public static CaseTimelineView From(CaseEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new CaseTimelineView(entry.Id, entry.Type, entry.State, entry.DeadlineMs, entry.AtMs, entry.Actor, entry.Note);
    }
}

/// <summary>Where an alert's evidence is fetched: the snapshot the box sent, if it referenced one.</summary>
public sealed record EvidenceView(
    [property: JsonPropertyName("alert")] Guid AlertId,
    [property: JsonPropertyName("snapshot")] string Snapshot);

/// <summary><c>GET /api/cases/{id}</c>: the case, its latest alerts oldest first (<c>alert_count</c> in all), evidence references and the timeline.</summary>
public sealed record CaseDetailView(
    [property: JsonPropertyName("case")] CaseView Case,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertView> Alerts,
    [property: JsonPropertyName("alert_count")] long AlertCount,
    [property: JsonPropertyName("evidence")] IReadOnlyList<EvidenceView> Evidence,
    [property: JsonPropertyName("timeline")] IReadOnlyList<CaseTimelineView> Timeline)
{
    public static CaseDetailView From(CaseDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return new CaseDetailView(
            CaseView.From(detail.Case),
            detail.Alerts.Select(AlertView.From).ToList(),
            detail.AlertCount,
            detail.Alerts.Where(a => a.Alert.SnapshotRef is not null)
                .Select(a => new EvidenceView(a.Alert.Id, $"/api/alerts/{a.Alert.Id:D}/snapshot")).ToList(),
            detail.Timeline.Select(CaseTimelineView.From).ToList());
    }
}

/// <summary>A case event as the webhook POSTs it (header <c>X-Relay-Event</c> repeats <see cref="Event"/>).</summary>
public sealed record CaseEventView(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("at_ms")] long AtMs,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("deadline_ms")] long DeadlineMs,
    [property: JsonPropertyName("actor")] string? Actor,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("case")] CaseView Case)
{
    public const string Prefix = "case.";

    public static CaseEventView From(CaseEventItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var e = item.Event;
        return new CaseEventView(Prefix + e.Type, e.Id, e.AtMs, e.State, e.DeadlineMs, e.Actor, e.Note, CaseView.From(item.Case));
    }
}

/// <summary><c>POST /api/cases/{id}/rectify</c>.</summary>
public sealed record RectifyRequest([property: JsonPropertyName("note")] string? Note);
