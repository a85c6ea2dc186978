using System.Text.Json.Nodes;

namespace EdgeGateway.Contracts.Fleet;

/// <summary>
/// JSON Merge Patch (RFC 7396): objects merge member by member, anything else (arrays included) replaces, and
/// <c>null</c> removes. Member names match without regard to case, as the box's configuration keys do, so
/// <c>"cameras"</c> in a layer replaces <c>"Cameras"</c> in the file instead of standing beside it.
/// </summary>
public static class MergePatch
{
    /// <summary>The result of patching <paramref name="target"/>; neither argument is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            var existing = result.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
            if (existing.Key is null)
            {
                if (value is not null)
                {
                    result[name] = Apply(null, value);
                }
            }
            else if (value is null)
            {
                result.Remove(existing.Key);
            }
            else
            {
                // In place and under the file's spelling, so the merged document reads like the file.
                result.SetAt(result.IndexOf(existing.Key), existing.Key, Apply(existing.Value, value));
            }
        }

        return result;
    }

    /// <summary>Layers applied in order onto an empty object: the first is the widest.</summary>
    public static JsonObject Merge(IEnumerable<JsonObject> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        JsonNode merged = new JsonObject();
        foreach (var layer in layers)
        {
            merged = Apply(merged, layer)!;
        }

        return (JsonObject)merged;
    }
}
