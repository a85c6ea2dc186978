using System.Text.Json;
using System.Text.Json.Nodes;
using CloudRelay.Devices;
using EdgeGateway.Storage;
using Microsoft.Extensions.Options;

namespace CloudRelay.Hosting;

/// <summary>
/// The API key and the webhook signing secret. Configured values win; otherwise they are generated once
/// and kept in <c>{DataDir}/relay-secrets.json</c> with mode 600, written with <see cref="DurableFile"/>
/// so a power cut never leaves it empty. An empty or corrupt file is refused with one clear line,
/// never silently replaced (that would change the API key under every caller). Never logged.
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
        var stored = File.Exists(path) ? Parse(path) : [];
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
            var winner = Parse(path);
            apiKey = options.ApiKey is { Length: > 0 } ? apiKey : winner?["apiKey"]?.GetValue<string>() ?? apiKey;
            webhookSecret = options.Webhook.Secret is { Length: > 0 } ? webhookSecret : winner?["webhookSecret"]?.GetValue<string>() ?? webhookSecret;
        }

        return (apiKey, webhookSecret);
    }

    /// <summary>Reads the secrets file; an empty, unreadable or malformed one is one clear line.</summary>
    private static JsonObject Parse(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"{path}: cannot read the relay secrets file ({ex.Message})", ex);
        }

        const string Fix = "restore it from a backup, or move it aside to generate new secrets (every API client then needs the new key)";
        if (text.Trim().Length == 0)
        {
            throw new InvalidOperationException($"{path}: the relay secrets file is empty; expected a JSON object with apiKey and webhookSecret; {Fix}");
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new InvalidOperationException($"{path}: the relay secrets file is not a JSON object; expected apiKey and webhookSecret; {Fix}");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"{path}: the relay secrets file is not valid JSON (line {ex.LineNumber + 1}); expected a JSON object with apiKey and webhookSecret; {Fix}", ex);
        }
    }

    /// <summary>Writes a file readable by its owner only (mode 600), created that way rather than narrowed later; durable after return.</summary>
    public static void WritePrivate(string path, string contents) =>
        DurableFile.Write(path, System.Text.Encoding.UTF8.GetBytes(contents), DurableFile.Private);
}
