using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.DurableFiles;
using Microsoft.Extensions.Options;

namespace CloudRelay.Settings;

/// <summary>
/// The webhook signing secret. A configured value wins; otherwise it is generated once and kept in
/// <c>{DataDir}/relay-secrets.json</c> with mode 600, written with <see cref="DurableFile"/> so a power cut never
/// leaves it empty. An empty or corrupt file is refused with one clear line, never silently replaced (that would
/// change the secret under every platform). Never logged. The file may still hold the unnamed admin key of relays
/// before named API keys; <see cref="Api.LegacyApiKey"/> moves it into the store, hashed, and removes it here.
/// </summary>
public sealed class RelaySecrets
{
    public const string FileName = "relay-secrets.json";
    private const string StoredApiKeyField = "apiKey";
    private readonly string _path;
    private readonly Lazy<(string? StoredApiKey, string WebhookSecret)> _values;

    public RelaySecrets(IOptions<RelayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _path = Path.Combine(value.DataDir, FileName);
        _values = new Lazy<(string?, string)>(() => Load(value, _path));
    }

    public string WebhookSecret => _values.Value.WebhookSecret;

    /// <summary>The unnamed admin key an older relay generated and kept here in clear, if it is still here.</summary>
    public string? StoredApiKey => _values.Value.StoredApiKey;

    /// <summary>Removes the old unnamed key from the file once the store holds its hash.</summary>
    public void ForgetStoredApiKey()
    {
        if (StoredApiKey is null || !File.Exists(_path))
        {
            return;
        }

        var stored = Parse(_path);
        if (stored.Remove(StoredApiKeyField))
        {
            WritePrivate(_path, stored.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    private static (string?, string) Load(RelayOptions options, string path)
    {
        Directory.CreateDirectory(options.DataDir);
        var stored = File.Exists(path) ? Parse(path) : [];
        var storedApiKey = stored[StoredApiKeyField]?.GetValue<string>() is { Length: > 0 } key ? key : null;
        if (options.Webhook.Secret is { Length: > 0 } configured)
        {
            return (storedApiKey, configured);
        }

        if (stored["webhookSecret"]?.GetValue<string>() is { Length: > 0 } existing)
        {
            return (storedApiKey, existing);
        }

        stored["webhookSecret"] = SecretTokens.NewToken();
        WritePrivate(path, stored.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        // Another relay may have written first; its value wins so every instance agrees.
        return (storedApiKey, Parse(path)["webhookSecret"]!.GetValue<string>());
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

        const string Fix = "restore it from a backup, or move it aside to generate new secrets (every platform then needs the new webhook secret)";
        if (text.Trim().Length == 0)
        {
            throw new InvalidOperationException($"{path}: the relay secrets file is empty; expected a JSON object with webhookSecret; {Fix}");
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new InvalidOperationException($"{path}: the relay secrets file is not a JSON object; expected webhookSecret; {Fix}");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"{path}: the relay secrets file is not valid JSON (line {ex.LineNumber + 1}); expected a JSON object with webhookSecret; {Fix}", ex);
        }
    }

    /// <summary>Writes a file readable by its owner only (mode 600), created that way rather than narrowed later; durable after return.</summary>
    public static void WritePrivate(string path, string contents) =>
        DurableFile.Write(path, System.Text.Encoding.UTF8.GetBytes(contents), DurableFile.Private);
}
