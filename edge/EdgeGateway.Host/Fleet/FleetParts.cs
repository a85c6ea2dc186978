using System.Text.Json.Nodes;

namespace EdgeGateway.Host.Fleet;

/// <summary>The parts a change restarts: the elevator monitor, every camera, or the cameras named.</summary>
internal sealed record RestartedParts(bool Elevator, bool AllCameras, IReadOnlySet<string> Cameras)
{
    public bool Restarts(string? camera) => camera is null ? Elevator : AllCameras || Cameras.Contains(camera);
}

/// <summary>What a new document changes, as the running parts see it.</summary>
internal static class FleetParts
{
    /// <summary>The sections the vision pipeline and the elevator monitor take while running; the rest are read at start.</summary>
    private static readonly string[] Live = ["Cameras", "Vision", "TimeZone", "SnapshotMaxWidth", "SnapshotMaxBytes", "Elevator"];

    /// <summary>Top-level settings of the vision pipeline besides the cameras: a change restarts every camera.</summary>
    private static readonly string[] VisionWide = ["Vision", "TimeZone", "SnapshotMaxWidth", "SnapshotMaxBytes"];

    public static RestartedParts Restarted(JsonObject before, JsonObject after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var elevator = Differs(before, after, "Elevator");
        var allCameras = VisionWide.Any(s => Differs(before, after, s));
        var was = CamerasById(before);
        var now = CamerasById(after);
        var cameras = was.Keys.Union(now.Keys, StringComparer.Ordinal)
            .Where(id => !JsonNode.DeepEquals(was.GetValueOrDefault(id), now.GetValueOrDefault(id)))
            .ToHashSet(StringComparer.Ordinal);
        return new RestartedParts(elevator, allCameras, cameras);
    }

    /// <summary>
    /// Top-level sections that changed and are only read when the service starts, and the first cameras or an
    /// elevator added to (or removed from) a box that started without them.
    /// </summary>
    public static IReadOnlyList<string> StartOnly(JsonObject before, JsonObject after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var sections = before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.OrdinalIgnoreCase)
            .Where(s => !Live.Contains(s, StringComparer.OrdinalIgnoreCase) && Differs(before, after, s))
            .ToList();

        // The service wires the vision pipeline and the elevator monitor only when they are configured at start.
        if (CamerasById(before).Count == 0 && CamerasById(after).Count > 0)
        {
            sections.Add("Cameras");
        }

        if ((Section(before, "Elevator") is null) != (Section(after, "Elevator") is null))
        {
            sections.Add("Elevator");
        }

        return [.. sections.Order(StringComparer.Ordinal)];
    }

    /// <summary>The keys a document sets, as configuration paths (e.g. <c>Outbox:BudgetMB</c>, <c>Cameras</c>).</summary>
    public static IReadOnlyList<string> Keys(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var keys = new List<string>();
        Walk(document, string.Empty, keys);
        return keys;
    }

    private static void Walk(JsonObject node, string path, List<string> keys)
    {
        foreach (var (name, value) in node)
        {
            var key = path.Length == 0 ? name : $"{path}:{name}";
            if (value is JsonObject child && child.Count > 0)
            {
                Walk(child, key, keys);
            }
            else
            {
                keys.Add(key);
            }
        }
    }

    private static bool Differs(JsonObject before, JsonObject after, string section) =>
        !JsonNode.DeepEquals(Section(before, section), Section(after, section));

    private static JsonNode? Section(JsonObject root, string name) =>
        root.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static Dictionary<string, JsonNode?> CamerasById(JsonObject root)
    {
        var cameras = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (Section(root, "Cameras") is JsonArray array)
        {
            foreach (var camera in array.OfType<JsonObject>())
            {
                var id = camera.FirstOrDefault(p => string.Equals(p.Key, "Id", StringComparison.OrdinalIgnoreCase)).Value;
                if (id?.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    cameras[id.GetValue<string>()] = camera;
                }
            }
        }

        return cameras;
    }
}
