namespace EdgeGateway.Uplink.Configuration;

/// <summary><c>Uplink:*</c>: the MQTT link to the cloud relay.</summary>
public sealed class UplinkOptions
{
    public const string Section = "Uplink";

    /// <summary><c>mqtt://host:port</c> (default port 1883) or <c>mqtts://host:port</c> (default 8883).</summary>
    public string Broker { get; set; } = "mqtt://127.0.0.1:1883";

    public string? Username { get; set; }

    /// <summary>Password or access token. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary><c>cbor</c> (default) or <c>json</c>.</summary>
    public string Encoding { get; set; } = "cbor";

    /// <summary>MQTT client id; defaults to <c>edgegw-{site}-{device}</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>PEM file of the CA the broker's certificate must chain to (pinned: the system store is not used).</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate for mTLS: a PEM certificate (with <see cref="ClientKeyFile"/>) or a PKCS#12 file.</summary>
    public string? ClientCertFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Records in flight awaiting PUBACK; also capped by the broker's Receive Maximum.</summary>
    public int Window { get; set; } = 256;

    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>How long a connect or a PUBACK may take before the link counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectMaxMs"/>, with jitter.</summary>
    public int ReconnectMinMs { get; set; } = 500;

    public int ReconnectMaxMs { get; set; } = 30_000;

    /// <summary>First topic level, <c>edge</c> by default.</summary>
    public string TopicPrefix { get; set; } = "edge";

    /// <summary>How often the box tells the relay its outbox depth (and at once on every connection).</summary>
    public TimeSpan BacklogReportInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary><c>Outbox:*</c>: the disk budget and time to live per class.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    public long BudgetMB { get; set; } = 256;

    public int MaxMessageKB { get; set; } = 1024;

    public TimeSpan AlarmTtl { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan StatusTtl { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan SnapshotTtl { get; set; } = TimeSpan.FromDays(2);

    public TimeSpan TelemetryTtl { get; set; } = TimeSpan.FromHours(6);

    public int SegmentMB { get; set; } = 16;

    /// <summary>Make every class wait for fsync, not only alarms.</summary>
    public bool SyncAllClasses { get; set; }

    /// <summary>How soon records that do not wait for fsync are synced anyway.</summary>
    public int SyncIntervalMs { get; set; } = 200;

    /// <summary>Budget in bytes; <c>BudgetBytes</c> overrides <c>BudgetMB</c> when set (tests use it).</summary>
    public long? BudgetBytes { get; set; }
}
