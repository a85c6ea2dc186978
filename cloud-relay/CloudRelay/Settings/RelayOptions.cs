using EdgeGateway.Contracts;
using Microsoft.Extensions.Options;

namespace CloudRelay.Settings;

/// <summary>The relay's configuration, bound from the <c>Relay</c> section.</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    public const string DefaultHttpUrl = "http://127.0.0.1:8080";

    /// <summary>Where the REST API listens.</summary>
    public string HttpUrl { get; set; } = DefaultHttpUrl;

    /// <summary>Folder for the SQLite file, secrets and snapshots.</summary>
    public string DataDir { get; set; } = "relay-data";

    /// <summary><c>sqlite</c> (default, a file in <see cref="DataDir"/>), a path ending in <c>.db</c>, or <c>postgres://...</c>.</summary>
    public string Db { get; set; } = "sqlite";

    /// <summary>The platform's API key for <c>/api</c>. Empty: generated once and kept in <c>relay-secrets.json</c> (mode 600).</summary>
    public string? ApiKey { get; set; }

    public RelayMqttOptions Mqtt { get; set; } = new();

    public RelayWebhookOptions Webhook { get; set; } = new();

    public RelayLimitsOptions Limits { get; set; } = new();

    /// <summary>Cases and rectification deadlines (<c>Relay:Cases</c>).</summary>
    public RelayCasesOptions Cases { get; set; } = new();

    /// <summary>The operators' console at <c>/console</c> (<c>Relay:Console</c>).</summary>
    public RelayConsoleOptions Console { get; set; } = new();
    /// <summary>Clip retention (<c>Relay:Evidence</c>).</summary>
    public RelayEvidenceOptions Evidence { get; set; } = new();

    /// <summary>Fleet configuration delivery (<c>Relay:Fleet</c>).</summary>
    public RelayFleetOptions Fleet { get; set; } = new();

    public bool UsesPostgres => PostgresUrl.IsPostgres(Db);

    /// <summary>The SQLite file when not on PostgreSQL.</summary>
    public string SqlitePath => Db.Equals("sqlite", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(Db)
        ? Path.Combine(DataDir, "relay.db")
        : Db.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? Db["sqlite:".Length..] : Db;
}

public sealed class RelayMqttOptions
{
    /// <summary>Embedded broker's plain TCP port, served only with <see cref="AllowPlaintext"/> (0 disables it).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Plain MQTT (and a plain http:// API off loopback). Off: the relay speaks TLS only.</summary>
    public bool AllowPlaintext { get; set; }

    /// <summary>First level of every device topic, <c>{prefix}/{site}/{device}/...</c>: the boxes' <c>Uplink:TopicPrefix</c>.</summary>
    public string TopicPrefix { get; set; } = EdgeTopic.DefaultPrefix;

    /// <summary>Address the plain listener binds; empty is loopback (127.0.0.1), so plain MQTT never leaves the machine unless asked.</summary>
    public string? BindAddress { get; set; }

    /// <summary>Embedded broker's TLS port.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>Address the TLS listener binds.</summary>
    public string TlsBindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// PEM certificate (with <see cref="TlsKey"/>) or PKCS#12 file for the TLS listener and an https:// API.
    /// Empty: <c>{DataDir}/tls/relay.crt</c> when <c>cloud-relay certs init</c> made it.
    /// </summary>
    public string? TlsCertificate { get; set; }

    public string? TlsKey { get; set; }

    /// <summary>External mode: <c>mqtt://host:port</c> or <c>mqtts://host:port</c>. Empty runs the embedded broker.</summary>
    public string? Broker { get; set; }

    public string? BrokerUsername { get; set; }

    public string? BrokerPassword { get; set; }

    /// <summary>External mode: this instance's stable name; its MQTT session survives a restart under it.</summary>
    public string InstanceId { get; set; } = Environment.MachineName;

    /// <summary>External mode: the shared-subscription group all relay instances join.</summary>
    public string SharedGroup { get; set; } = "cloud-relay";

    /// <summary>
    /// The broker address boxes connect to, sent in the claim's answer (e.g. <c>mqtts://relay.example.com:8883</c>).
    /// Empty: the embedded broker at the host name the installer used for the relay; nothing in external mode.
    /// </summary>
    public string? PublicBroker { get; set; }
}

public sealed class RelayWebhookOptions
{
    /// <summary>The platform's endpoint. Empty: no forwarding.</summary>
    public string? Url { get; set; }

    /// <summary>HMAC-SHA256 key. Empty: generated once and kept in <c>relay-secrets.json</c>.</summary>
    public string? Secret { get; set; }

    /// <summary>Longest wait between retries while the platform is down.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The front door's limits (<c>Relay:Limits</c>); each one is counted in <c>/api/stats</c> when it bites.</summary>
public sealed class RelayLimitsOptions
{
    /// <summary>Largest MQTT packet a client may send, checked from its fixed header before the body is read.</summary>
    public int MaxPacketBytes { get; set; } = 64 * 1024;

    /// <summary>A connection that has not sent its CONNECT by then is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed CONNECTs allowed per remote address within <see cref="FailedConnectWindow"/>; then that address is refused until the window passes.</summary>
    public int FailedConnectsPerAddress { get; set; } = 10;

    public TimeSpan FailedConnectWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed CONNECTs from all addresses within <see cref="FailedConnectWindow"/>; past it each address gets one failure per window.</summary>
    public int FailedConnectsGlobal { get; set; } = 1000;

    /// <summary>Claim attempts (<c>POST /api/devices/claim</c>) per client address within <see cref="ClaimWindow"/>.</summary>
    public int ClaimAttemptsPerAddress { get; set; } = 10;

    /// <summary>Claim attempts from all addresses within <see cref="ClaimWindow"/>.</summary>
    public int ClaimAttemptsGlobal { get; set; } = 100;

    public TimeSpan ClaimWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sustained publishes per second per device; a faster device is slowed (its packets are read later), not refused.</summary>
    public int PublishesPerSecond { get; set; } = 1000;

    /// <summary>Publishes a device may send at once above the sustained rate.</summary>
    public int PublishBurst { get; set; } = 5000;

    /// <summary>Retained messages the broker keeps per device (on topics the relay does not consume itself).</summary>
    public int MaxRetainedPerDevice { get; set; } = 16;

    /// <summary>Bytes of snapshot JPEGs kept per device under the data folder.</summary>
    public long MaxSnapshotBytesPerDevice { get; set; } = 256L * 1024 * 1024;

    /// <summary>How often live sessions are also checked against the device registry, in case a change signal from another process was missed.</summary>
    public TimeSpan CredentialCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Problems()
    {
        if (MaxPacketBytes is < 1024 or > 256 * 1024 * 1024)
        {
            yield return $"Relay:Limits:MaxPacketBytes '{MaxPacketBytes}' is invalid; expected 1024-268435456";
        }

        foreach (var (key, value) in new[] { ("ConnectTimeout", ConnectTimeout), ("FailedConnectWindow", FailedConnectWindow), ("ClaimWindow", ClaimWindow), ("CredentialCheckInterval", CredentialCheckInterval) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Relay:Limits:{key} '{value}' is invalid; expected a positive time span such as 00:00:10";
            }
        }

        foreach (var (key, value) in new[] { ("FailedConnectsPerAddress", (long)FailedConnectsPerAddress), ("FailedConnectsGlobal", FailedConnectsGlobal), ("ClaimAttemptsPerAddress", ClaimAttemptsPerAddress), ("ClaimAttemptsGlobal", ClaimAttemptsGlobal), ("PublishesPerSecond", PublishesPerSecond), ("PublishBurst", PublishBurst),
                     ("MaxRetainedPerDevice", MaxRetainedPerDevice), ("MaxSnapshotBytesPerDevice", MaxSnapshotBytesPerDevice) })
        {
            if (value < 1)
            {
                yield return $"Relay:Limits:{key} '{value}' is invalid; expected a whole number of at least 1";
            }
        }
    }
}

/// <summary>Cross-field checks; one line per problem naming the key, the value and what was expected.</summary>
public sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            problems.Add("Relay:DataDir is empty; expected a folder path");
        }

        if (options.Db.Contains("://", StringComparison.Ordinal) && !options.UsesPostgres)
        {
            problems.Add($"Relay:Db '{PostgresUrl.Redact(options.Db)}' is not supported; expected sqlite, a .db path or postgres://user:password@host:port/database");
        }

        var mqtt = options.Mqtt;
        if (mqtt.Port is < 0 or > 65535)
        {
            problems.Add($"Relay:Mqtt:Port '{mqtt.Port}' is invalid; expected 0-65535");
        }

        if (!EdgeTopic.IsValidPrefix(mqtt.TopicPrefix))
        {
            problems.Add(EdgeTopic.DescribePrefix("Relay:Mqtt:TopicPrefix", mqtt.TopicPrefix));
        }

        if (mqtt.TlsPort is < 0 or > 65535)
        {
            problems.Add($"Relay:Mqtt:TlsPort '{mqtt.TlsPort}' is invalid; expected 0-65535");
        }


        // Empty means the embedded broker (Broker) or the relay's own address (PublicBroker).
        if (mqtt.Broker is { Length: > 0 } && BrokerAddress.Problem("Relay:Mqtt:Broker", mqtt.Broker) is { } broker)
        {
            problems.Add(broker);
        }

        if (mqtt.PublicBroker is { Length: > 0 } && BrokerAddress.Problem("Relay:Mqtt:PublicBroker", mqtt.PublicBroker) is { } advertised)
        {
            problems.Add(advertised);
        }

        if (string.IsNullOrWhiteSpace(mqtt.InstanceId) || mqtt.InstanceId.IndexOfAny(['+', '#', '/']) >= 0)
        {
            problems.Add($"Relay:Mqtt:InstanceId '{mqtt.InstanceId}' is invalid; expected a name without '/', '+' or '#'");
        }

        if (options.Webhook.Url is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var hook) || hook.Scheme is not ("http" or "https")))
        {
            problems.Add($"Relay:Webhook:Url '{url}' is invalid; expected an http:// or https:// url");
        }

        if (options.Webhook.MaxBackoff <= TimeSpan.Zero)
        {
            problems.Add($"Relay:Webhook:MaxBackoff '{options.Webhook.MaxBackoff}' is invalid; expected a positive time span");
        }

        problems.AddRange(options.Limits.Problems());
        problems.AddRange(options.Cases.Problems());
        problems.AddRange(options.Console.Problems());
        problems.AddRange(options.Evidence.Problems());
        problems.AddRange(options.Fleet.Problems());
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
