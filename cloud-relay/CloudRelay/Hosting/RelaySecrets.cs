using System.Text.Json;
using System.Text.Json.Nodes;
using CloudRelay.Devices;
using Microsoft.Extensions.Options;

namespace CloudRelay.Hosting;

/// <summary>
/// The API key and the webhook signing secret. Configured values win; otherwise they are generated once
/// and kept in <c>{DataDir}/relay-secrets.json</c> with mode 600. Never logged.
/// </summary>
public sealed class RelaySecrets
{
    public const string FileName = "relay-secrets.json";
    private readonly Lazy<(string ApiKey, string WebhookSecret)> _values;

    public RelaySecrets(IOptions<RelayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _values = new Lazy<(string, string)>(() => Load(value));
    }

    public string ApiKey => _values.Value.ApiKey;

    public string WebhookSecret => _values.Value.WebhookSecret;

    private static (string, string) Load(RelayOptions options)
    {
        Directory.CreateDirectory(options.DataDir);
        var path = Path.Combine(options.DataDir, FileName);
        var stored = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;
        stored ??= [];
        var changed = false;
        string Take(string key)
        {
            if (stored[key]?.GetValue<string>() is { Length: > 0 } existing)
            {
                return existing;
            }

            var created = SecretTokens.NewToken();
            stored[key] = created;
            changed = true;
            return created;
        }

        var apiKey = options.ApiKey is { Length: > 0 } configured ? configured : Take("apiKey");
        var webhookSecret = options.Webhook.Secret is { Length: > 0 } secret ? secret : Take("webhookSecret");
        if (changed)
        {
            WritePrivate(path, stored.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        if (changed)
        {
            // Another relay may have written first; its values win so every instance agrees.
            var winner = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            apiKey = options.ApiKey is { Length: > 0 } ? apiKey : winner?["apiKey"]?.GetValue<string>() ?? apiKey;
            webhookSecret = options.Webhook.Secret is { Length: > 0 } ? webhookSecret : winner?["webhookSecret"]?.GetValue<string>() ?? webhookSecret;
        }

        return (apiKey, webhookSecret);
    }

    /// <summary>Writes a file readable by its owner only (mode 600), created that way rather than narrowed later.</summary>
    public static void WritePrivate(string path, string contents)
    {
        // A name of its own, so two relays starting on one data folder never collide.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, streamOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
