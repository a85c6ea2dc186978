using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>
/// Writes the installer's settings into the gateway config file. Keys it does not own (timings,
/// model store, …) are kept from an existing file. The file is replaced with <see cref="DurableFile"/> (rename, then directory fsync), the old one is
/// kept as a timestamped backup, and the new one is mode 600 when it holds secrets.
/// </summary>
internal static class ConfigFileWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The existing file as a JSON object, or an empty one when there is none.</summary>
    public static JsonObject Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        return node as JsonObject ?? [];
    }

    public static void Apply(JsonObject root, GatewaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(settings);
        Set(root, ConfigKeys.DeviceId, settings.DeviceId);
        Set(root, ConfigKeys.DeviceSite, settings.SiteId);
        Set(root, ConfigKeys.DataDir, settings.DataDir);
        Set(root, ConfigKeys.ModelsDir, settings.ModelsDir);
        Set(root, ConfigKeys.Board, settings.Board);
        Set(root, ConfigKeys.Broker, settings.Broker);
        Set(root, ConfigKeys.Username, settings.Username);
        Set(root, ConfigKeys.Password, settings.Password);
        Set(root, ConfigKeys.Encoding, settings.Encoding);
        Set(root, ConfigKeys.ClientCertificate, settings.ClientCertificate);
        Set(root, ConfigKeys.ClientKey, settings.ClientKey);
        Set(root, ConfigKeys.RelayUrl, settings.RelayUrl);
        Set(root, ConfigKeys.DiagnosticsUrl, settings.DiagnosticsUrl);
        Set(root, ConfigKeys.DiagnosticsCertificate, settings.DiagnosticsCertificate);
        Set(root, ConfigKeys.DiagnosticsCertificateKey, settings.DiagnosticsCertificateKey);
        Set(root, ConfigKeys.PasswordHash, settings.PasswordHash);
        Set(root, ConfigKeys.CaFile, settings.CaFile);
        if (settings.Cameras.Count > 0)
        {
            SetNode(root, ConfigKeys.Cameras, new JsonArray([.. settings.Cameras.Select(CameraNode)]));
        }
    }

    /// <summary>Writes atomically; returns the backup's path when an existing file was replaced.</summary>
    public static string? Write(string path, JsonObject root, bool holdsSecrets, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(time);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string? backup = null;
        if (File.Exists(path))
        {
            backup = $"{path}.bak-{time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
            File.Copy(path, backup, overwrite: true);
        }

        var mode = holdsSecrets ? DurableFile.Private : DurableFile.Shared;
        using var contents = new MemoryStream();
        JsonSerializer.Serialize(contents, root, Indented);
        contents.WriteByte((byte)'\n');
        DurableFile.Write(path, contents.GetBuffer().AsSpan(0, (int)contents.Length), mode);
        return backup;
    }

    /// <summary>Fails early (before a one-time claim code is spent) when the file cannot be written.</summary>
    public static string? CheckWritable(string path)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".edgegw-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"cannot write {path}: {ex.Message}; run as root (sudo) or choose another --config";
        }
    }

    private static JsonObject CameraNode(CameraSettings camera) => new()
    {
        ["Id"] = camera.Id,
        ["Url"] = camera.Url,
        ["Role"] = camera.Role,
        ["Model"] = camera.Model,
        ["Zones"] = new JsonArray([.. camera.Zones.Select(zone => (JsonNode)new JsonObject
        {
            ["Name"] = zone.Name,
            ["Points"] = new JsonArray([.. zone.Points.Select(p => (JsonNode)new JsonArray(p.X, p.Y))]),
        })]),
    };

    private static void Set(JsonObject root, string key, string? value)
    {
        if (value is not null)
        {
            SetNode(root, key, JsonValue.Create(value));
        }
    }

    private static void SetNode(JsonObject root, string key, JsonNode node)
    {
        var parts = key.Split(':');
        var current = root;
        foreach (var part in parts[..^1])
        {
            if (current[part] is not JsonObject child)
            {
                child = [];
                current[part] = child;
            }

            current = child;
        }

        current[parts[^1]] = node;
    }
}
