using System.Globalization;
using CloudRelay.Settings;

namespace CloudRelay.Hosting;

/// <summary>
/// What an in-process host (such as <c>edgegw demo</c>) sets to start a relay. Each value maps onto a
/// <c>Relay:*</c> configuration key; anything null keeps the relay's default.
/// </summary>
public sealed record RelayStartOptions
{
    /// <summary>Embedded broker port (<c>Relay:Mqtt:Port</c>), default 1883.</summary>
    public int? MqttPort { get; init; }

    /// <summary>Where the REST API listens (<c>Relay:HttpUrl</c>), default <c>http://127.0.0.1:8080</c>.</summary>
    public string? HttpUrl { get; init; }

    /// <summary>Folder for the SQLite file, secrets and snapshots (<c>Relay:DataDir</c>).</summary>
    public string? DataDir { get; init; }

    /// <summary><c>sqlite</c> (default) or <c>postgres://...</c> (<c>Relay:Db</c>).</summary>
    public string? Db { get; init; }

    /// <summary>External broker url; null runs the embedded broker (<c>Relay:Mqtt:Broker</c>).</summary>
    public string? Broker { get; init; }

    /// <summary>External mode: this instance's stable name (<c>Relay:Mqtt:InstanceId</c>).</summary>
    public string? InstanceId { get; init; }

    /// <summary>Address the plain MQTT listener binds (<c>Relay:Mqtt:BindAddress</c>), default loopback.</summary>
    public string? MqttBindAddress { get; init; }

    /// <summary>
    /// Plain MQTT on <see cref="MqttPort"/> (<c>Relay:Mqtt:AllowPlaintext</c>); without a certificate the relay then
    /// runs plain MQTT only. Off (the default), the relay needs a certificate and speaks TLS only.
    /// </summary>
    public bool? AllowPlaintext { get; init; }

    public string? ApiKey { get; init; }

    public string? WebhookUrl { get; init; }

    public string? WebhookSecret { get; init; }

    /// <summary>Any other keys under <c>Relay:</c>, e.g. <c>Webhook:MaxBackoff</c> = <c>00:00:05</c>.</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>Optional path of a JSON config file with a <c>Relay</c> section; <c>RELAY_*</c> variables and explicit values above win.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Minimum log level for the relay's console logs, e.g. Warning in a demo.</summary>
    public Microsoft.Extensions.Logging.LogLevel? LogLevel { get; init; }

    internal Dictionary<string, string?> ToConfiguration()
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Set(string key, string? value)
        {
            if (value is not null)
            {
                values[$"{RelayOptions.Section}:{key}"] = value;
            }
        }

        foreach (var (key, value) in Settings ?? new Dictionary<string, string?>())
        {
            Set(key, value);
        }

        Set("HttpUrl", HttpUrl);
        Set("Mqtt:Port", MqttPort?.ToString(CultureInfo.InvariantCulture));
        Set("Mqtt:BindAddress", MqttBindAddress);
        Set("Mqtt:AllowPlaintext", AllowPlaintext is { } allow ? (allow ? "true" : "false") : null);
        Set("Mqtt:Broker", Broker);
        Set("Mqtt:InstanceId", InstanceId);
        Set("DataDir", DataDir);
        Set("Db", Db);
        Set("ApiKey", ApiKey);
        Set("Webhook:Url", WebhookUrl);
        Set("Webhook:Secret", WebhookSecret);
        return values;
    }
}
