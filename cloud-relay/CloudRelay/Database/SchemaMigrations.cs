namespace CloudRelay.Database;

/// <summary>One numbered schema step. Steps are applied in order, each in its own transaction, and recorded.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// The relay's schema, as numbered steps per database. A step is never edited once released: a change
/// is a new step with the next number.
/// </summary>
public static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> Sqlite { get; } =
    [
        new(1, "alerts and devices", """
            CREATE TABLE alerts (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                id BLOB NOT NULL UNIQUE,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                severity INTEGER NOT NULL,
                state INTEGER NOT NULL,
                ts_ms INTEGER NOT NULL,
                attrs TEXT NULL,
                snapshot TEXT NULL,
                received_ms INTEGER NOT NULL);
            CREATE INDEX alerts_by_device ON alerts (site, device, pos);
            CREATE INDEX alerts_by_time ON alerts (ts_ms);
            CREATE TABLE devices (
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                token_hash TEXT NULL,
                cert_thumbprint TEXT NULL,
                online INTEGER NOT NULL DEFAULT 0,
                last_seen_ms INTEGER NULL,
                created_ms INTEGER NOT NULL,
                PRIMARY KEY (site, device));
            CREATE UNIQUE INDEX devices_by_cert ON devices (cert_thumbprint) WHERE cert_thumbprint IS NOT NULL;
            """),
        new(2, "claim codes", """
            CREATE TABLE claim_codes (
                code_hash TEXT PRIMARY KEY,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                expires_ms INTEGER NOT NULL,
                used_ms INTEGER NULL);
            """),
        new(3, "forward queue", """
            CREATE TABLE forward_queue (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_pos INTEGER NOT NULL);
            """),
        new(4, "registered client ids", """
            ALTER TABLE devices ADD COLUMN client_id TEXT NULL;
            CREATE UNIQUE INDEX devices_by_client_id ON devices (client_id) WHERE client_id IS NOT NULL;
            """),
        new(5, "api keys", """
            CREATE TABLE api_keys (
                name TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                scope TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                revoked_ms INTEGER NULL);
            """),
        new(6, "cases", """
            CREATE TABLE cases (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                id BLOB NOT NULL UNIQUE,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                state TEXT NOT NULL,
                opened_ms INTEGER NOT NULL,
                deadline_ms INTEGER NOT NULL,
                acknowledged_ms INTEGER NULL,
                resolved_ms INTEGER NULL,
                overdue_ms INTEGER NULL,
                rectified_ms INTEGER NULL,
                note TEXT NULL,
                overdue_alert_id BLOB NULL,
                updated_ms INTEGER NOT NULL);
            CREATE UNIQUE INDEX cases_unclosed ON cases (site, device, kind, subject) WHERE state <> 'rectified';
            CREATE INDEX cases_by_deadline ON cases (deadline_ms) WHERE state IN ('open', 'acknowledged', 'resolved_at_source');
            CREATE TABLE case_alerts (
                case_pos INTEGER NOT NULL,
                alert_pos INTEGER NOT NULL,
                PRIMARY KEY (case_pos, alert_pos));
            CREATE TABLE case_events (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                id BLOB NOT NULL UNIQUE,
                case_pos INTEGER NOT NULL,
                type TEXT NOT NULL,
                state TEXT NOT NULL,
                deadline_ms INTEGER NOT NULL,
                at_ms INTEGER NOT NULL,
                actor TEXT NULL,
                note TEXT NULL);
            CREATE INDEX case_events_by_case ON case_events (case_pos, pos);
            CREATE TABLE case_inbox (alert_pos INTEGER PRIMARY KEY);
            CREATE TABLE forward_queue_v6 (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_pos INTEGER NULL,
                case_event_pos INTEGER NULL);
            INSERT INTO forward_queue_v6 (pos, alert_pos) SELECT pos, alert_pos FROM forward_queue;
            DROP TABLE forward_queue;
            ALTER TABLE forward_queue_v6 RENAME TO forward_queue;
            """),
        new(7, "console operators, sessions and attachments", """
            CREATE TABLE operators (
                name TEXT PRIMARY KEY,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                language TEXT NULL,
                created_ms INTEGER NOT NULL);
            CREATE TABLE console_sessions (
                token_hash TEXT PRIMARY KEY,
                operator TEXT NOT NULL,
                csrf TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                seen_ms INTEGER NOT NULL);
            CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
            CREATE TABLE case_attachments (
                id BLOB PRIMARY KEY,
                case_pos INTEGER NOT NULL,
                event_id BLOB NOT NULL,
                file_name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size INTEGER NOT NULL,
                data BLOB NOT NULL);
            CREATE INDEX case_attachments_by_case ON case_attachments (case_pos);
            """),
        new(8, "evidence and device signing keys", """
            CREATE TABLE device_keys (
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                key_id TEXT NOT NULL,
                public_key TEXT NOT NULL,
                added_ms INTEGER NOT NULL,
                PRIMARY KEY (site, device));
            CREATE TABLE evidence (
                alert_id BLOB PRIMARY KEY,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                clip_bytes INTEGER NULL,
                clip_sha256 TEXT NULL,
                clip_ms INTEGER NULL,
                clip_deleted_ms INTEGER NULL,
                manifest BLOB NULL,
                signature BLOB NULL,
                key_id TEXT NULL,
                verified INTEGER NULL,
                verify_note TEXT NULL,
                updated_ms INTEGER NOT NULL);
            CREATE INDEX evidence_by_clip ON evidence (clip_ms) WHERE clip_ms IS NOT NULL AND clip_deleted_ms IS NULL;
            """),
        new(9, "reported backlog", """
            ALTER TABLE devices ADD COLUMN backlog INTEGER NULL;
            ALTER TABLE devices ADD COLUMN backlog_ms INTEGER NULL;
            """),
        SigningKeysPerKeyId("INTEGER"),
        new(11, "the clip an alert names", """
            ALTER TABLE alerts ADD COLUMN clip TEXT NULL;
            """),
        FleetConfiguration("INTEGER"),
        HealthHistory("INTEGER", "BLOB"),
    ];

    public static IReadOnlyList<SchemaMigration> Postgres { get; } =
    [
        new(1, "alerts and devices", """
            CREATE TABLE alerts (
                pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id UUID NOT NULL UNIQUE,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                seq BIGINT NOT NULL,
                kind TEXT NOT NULL,
                severity INTEGER NOT NULL,
                state INTEGER NOT NULL,
                ts_ms BIGINT NOT NULL,
                attrs TEXT NULL,
                snapshot TEXT NULL,
                received_ms BIGINT NOT NULL);
            CREATE INDEX alerts_by_device ON alerts (site, device, pos);
            CREATE INDEX alerts_by_time ON alerts (ts_ms);
            CREATE TABLE devices (
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                token_hash TEXT NULL,
                cert_thumbprint TEXT NULL,
                online INTEGER NOT NULL DEFAULT 0,
                last_seen_ms BIGINT NULL,
                created_ms BIGINT NOT NULL,
                PRIMARY KEY (site, device));
            CREATE UNIQUE INDEX devices_by_cert ON devices (cert_thumbprint) WHERE cert_thumbprint IS NOT NULL;
            """),
        new(2, "claim codes", """
            CREATE TABLE claim_codes (
                code_hash TEXT PRIMARY KEY,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                expires_ms BIGINT NOT NULL,
                used_ms BIGINT NULL);
            """),
        new(3, "forward queue", """
            CREATE TABLE forward_queue (
                pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                alert_pos BIGINT NOT NULL);
            """),
        new(4, "registered client ids", """
            ALTER TABLE devices ADD COLUMN client_id TEXT NULL;
            CREATE UNIQUE INDEX devices_by_client_id ON devices (client_id) WHERE client_id IS NOT NULL;
            """),
        new(5, "api keys", """
            CREATE TABLE api_keys (
                name TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                scope TEXT NOT NULL,
                created_ms BIGINT NOT NULL,
                revoked_ms BIGINT NULL);
            """),
        new(6, "cases", """
            CREATE TABLE cases (
                pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id UUID NOT NULL UNIQUE,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                state TEXT NOT NULL,
                opened_ms BIGINT NOT NULL,
                deadline_ms BIGINT NOT NULL,
                acknowledged_ms BIGINT NULL,
                resolved_ms BIGINT NULL,
                overdue_ms BIGINT NULL,
                rectified_ms BIGINT NULL,
                note TEXT NULL,
                overdue_alert_id UUID NULL,
                updated_ms BIGINT NOT NULL);
            CREATE UNIQUE INDEX cases_unclosed ON cases (site, device, kind, subject) WHERE state <> 'rectified';
            CREATE INDEX cases_by_deadline ON cases (deadline_ms) WHERE state IN ('open', 'acknowledged', 'resolved_at_source');
            CREATE TABLE case_alerts (
                case_pos BIGINT NOT NULL,
                alert_pos BIGINT NOT NULL,
                PRIMARY KEY (case_pos, alert_pos));
            CREATE TABLE case_events (
                pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id UUID NOT NULL UNIQUE,
                case_pos BIGINT NOT NULL,
                type TEXT NOT NULL,
                state TEXT NOT NULL,
                deadline_ms BIGINT NOT NULL,
                at_ms BIGINT NOT NULL,
                actor TEXT NULL,
                note TEXT NULL);
            CREATE INDEX case_events_by_case ON case_events (case_pos, pos);
            CREATE TABLE case_inbox (alert_pos BIGINT PRIMARY KEY);
            ALTER TABLE forward_queue ALTER COLUMN alert_pos DROP NOT NULL;
            ALTER TABLE forward_queue ADD COLUMN case_event_pos BIGINT NULL;
            """),
        new(7, "console operators, sessions and attachments", """
            CREATE TABLE operators (
                name TEXT PRIMARY KEY,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                language TEXT NULL,
                created_ms BIGINT NOT NULL);
            CREATE TABLE console_sessions (
                token_hash TEXT PRIMARY KEY,
                operator TEXT NOT NULL,
                csrf TEXT NOT NULL,
                created_ms BIGINT NOT NULL,
                seen_ms BIGINT NOT NULL);
            CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
            CREATE TABLE case_attachments (
                id UUID PRIMARY KEY,
                case_pos BIGINT NOT NULL,
                event_id UUID NOT NULL,
                file_name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                data BYTEA NOT NULL);
            CREATE INDEX case_attachments_by_case ON case_attachments (case_pos);
            """),
        new(8, "evidence and device signing keys", """
            CREATE TABLE device_keys (
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                key_id TEXT NOT NULL,
                public_key TEXT NOT NULL,
                added_ms BIGINT NOT NULL,
                PRIMARY KEY (site, device));
            CREATE TABLE evidence (
                alert_id UUID PRIMARY KEY,
                site TEXT NOT NULL,
                device TEXT NOT NULL,
                clip_bytes BIGINT NULL,
                clip_sha256 TEXT NULL,
                clip_ms BIGINT NULL,
                clip_deleted_ms BIGINT NULL,
                manifest BYTEA NULL,
                signature BYTEA NULL,
                key_id TEXT NULL,
                verified INTEGER NULL,
                verify_note TEXT NULL,
                updated_ms BIGINT NOT NULL);
            CREATE INDEX evidence_by_clip ON evidence (clip_ms) WHERE clip_ms IS NOT NULL AND clip_deleted_ms IS NULL;
            """),
        new(9, "reported backlog", """
            ALTER TABLE devices ADD COLUMN backlog BIGINT NULL;
            ALTER TABLE devices ADD COLUMN backlog_ms BIGINT NULL;
            """),
        SigningKeysPerKeyId("BIGINT"),
        new(11, "the clip an alert names", """
            ALTER TABLE alerts ADD COLUMN clip TEXT NULL;
            """),
        FleetConfiguration("BIGINT"),
        HealthHistory("BIGINT", "BYTEA"),
    ];

    /// <summary>Step 10, the same in both databases but for the type of milliseconds.</summary>
    private static SchemaMigration SigningKeysPerKeyId(string milliseconds) => new(10, "signing keys per key id, and what a verdict checked", $"""
        CREATE TABLE device_signing_keys (
            site TEXT NOT NULL,
            device TEXT NOT NULL,
            key_id TEXT NOT NULL,
            public_key TEXT NOT NULL,
            valid_from_ms {milliseconds} NOT NULL,
            valid_until_ms {milliseconds} NULL,
            PRIMARY KEY (site, device, key_id, valid_from_ms));
        CREATE UNIQUE INDEX device_signing_keys_current ON device_signing_keys (site, device) WHERE valid_until_ms IS NULL;
        INSERT INTO device_signing_keys (site, device, key_id, public_key, valid_from_ms)
            SELECT site, device, key_id, public_key, added_ms FROM device_keys;
        DROP TABLE device_keys;
        ALTER TABLE evidence ADD COLUMN manifest_ms {milliseconds} NULL;
        ALTER TABLE evidence ADD COLUMN verified_snapshot_sha256 TEXT NULL;
        ALTER TABLE evidence ADD COLUMN verified_clip_sha256 TEXT NULL;
        """);

    /// <summary>
    /// Step 12: fleet configuration layers and what each device reported. Every set or clear of a layer takes the next
    /// value of one counter, and a clear keeps its row (document NULL), so a device's version, the largest revision of
    /// the layers that cover it, only grows.
    /// </summary>
    private static SchemaMigration FleetConfiguration(string milliseconds) => new(12, "fleet configuration layers and reports", $"""
        CREATE TABLE fleet_revision (
            id INTEGER PRIMARY KEY,
            revision {milliseconds} NOT NULL);
        INSERT INTO fleet_revision (id, revision) VALUES (1, 0);
        CREATE TABLE fleet_layers (
            target TEXT PRIMARY KEY,
            scope INTEGER NOT NULL,
            site TEXT NULL,
            device TEXT NULL,
            document TEXT NULL,
            revision {milliseconds} NOT NULL,
            updated_ms {milliseconds} NOT NULL,
            updated_by TEXT NOT NULL);
        CREATE TABLE fleet_reported (
            site TEXT NOT NULL,
            device TEXT NOT NULL,
            version {milliseconds} NOT NULL,
            sha256 TEXT NOT NULL,
            status TEXT NOT NULL,
            lines TEXT NOT NULL,
            gates TEXT NOT NULL,
            time_ms {milliseconds} NOT NULL,
            received_ms {milliseconds} NOT NULL,
            PRIMARY KEY (site, device));
        """);

    /// <summary>
    /// Step 13: each device's latest health report and one point per slot; the slot index makes deleting the oldest
    /// day a range delete.
    /// </summary>
    private static SchemaMigration HealthHistory(string milliseconds, string bytes) => new(13, "device health, latest and history", $"""
        CREATE TABLE health_latest (
            site TEXT NOT NULL,
            device TEXT NOT NULL,
            report {bytes} NOT NULL,
            received_ms {milliseconds} NOT NULL,
            PRIMARY KEY (site, device));
        CREATE TABLE health_points (
            site TEXT NOT NULL,
            device TEXT NOT NULL,
            slot_ms {milliseconds} NOT NULL,
            report {bytes} NOT NULL,
            received_ms {milliseconds} NOT NULL,
            PRIMARY KEY (site, device, slot_ms));
        CREATE INDEX health_points_by_slot ON health_points (slot_ms);
        """);
}
