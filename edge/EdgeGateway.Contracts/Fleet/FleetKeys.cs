using System.Text.Json.Nodes;

namespace EdgeGateway.Contracts.Fleet;

/// <summary>
/// The keys a fleet layer may never set: the box's identity and data folder, how it reaches and proves itself to
/// the relay, its page's address and password, the files it reads keys and models from, and its own rollback
/// settings. The relay refuses them when a layer is set and the box refuses them again when a document arrives.
/// </summary>
public static class FleetKeys
{
    /// <summary>Forbidden keys as configuration paths; a section forbids everything under it.</summary>
    public static readonly IReadOnlyList<string> Forbidden =
    [
        "Device",
        "Storage",
        "Fleet",
        "Relay",
        "Models",
        "Uplink:Broker",
        "Uplink:Username",
        "Uplink:Password",
        "Uplink:ClientId",
        "Uplink:TopicPrefix",
        "Uplink:CaFile",
        "Uplink:ClientCertFile",
        "Uplink:ClientKeyFile",
        "Uplink:CountersFile",
        "Diagnostics:Url",
        "Diagnostics:PasswordHash",
        "Diagnostics:CertificatePath",
        "Diagnostics:CertificateKeyPath",
        "Evidence:KeyFile",
    ];

    /// <summary>One line per forbidden key the layer sets (or removes with <c>null</c>), naming it; empty when none.</summary>
    public static IReadOnlyList<string> Problems(JsonObject layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var lines = new List<string>();
        Walk(layer, string.Empty, lines);
        return lines;
    }

    /// <summary>Whether a configuration key (e.g. <c>Uplink:Password</c>) may come from the fleet.</summary>
    public static bool IsForbidden(string key) =>
        Forbidden.Any(f => key.Equals(f, StringComparison.OrdinalIgnoreCase) || key.StartsWith(f + ":", StringComparison.OrdinalIgnoreCase));

    private static void Walk(JsonObject node, string path, List<string> lines)
    {
        foreach (var (name, value) in node)
        {
            var key = path.Length == 0 ? name : $"{path}:{name}";
            if (IsForbidden(key))
            {
                lines.Add($"fleet key '{key}' is refused; it can only be set in the box's own config file");
            }
            else if (value is JsonObject child)
            {
                Walk(child, key, lines);
            }
        }
    }
}
