using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeGateway.Vision.Models;

/// <summary>
/// <c>model.json</c>: what a detector needs to know about one set of weights. The weights
/// themselves are never committed; <see cref="ModelCatalog"/> fetches and verifies them.
/// </summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Output layout family: <c>yolox</c>, <c>face-mask-retina</c> or <c>yolov8</c>.</summary>
    public required string Layout { get; init; }

    /// <summary>File name of the weights, e.g. <c>yolox_nano.onnx</c>.</summary>
    public required string File { get; init; }

    /// <summary>Lower-case hex SHA-256 of the weights; checked on every fetch and every load.</summary>
    public string? Sha256 { get; init; }

    public long? Bytes { get; init; }

    public ModelInputSpec Input { get; init; } = new();

    /// <summary>Labels file beside the manifest, one label per line in class-index order.</summary>
    public string? Labels { get; init; }

    public float ScoreThreshold { get; init; } = 0.3f;

    public float NmsThreshold { get; init; } = 0.45f;

    /// <summary>face-mask-retina only: a face whose mask score is at or below this is <c>no_mask</c>.</summary>
    public float MaskThreshold { get; init; } = 0.25f;

    /// <summary>Public download address of the weights, or null when none is known.</summary>
    public string? Source { get; init; }

    public string? License { get; init; }

    /// <summary>The folder the manifest was read from (not part of the file).</summary>
    [JsonIgnore]
    public string? Directory { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and checks a manifest; any problem is a <see cref="ModelException"/> naming the file.</summary>
    public static ModelManifest Load(string path)
    {
        ModelManifest? manifest;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            manifest = JsonSerializer.Deserialize<ModelManifest>(stream, JsonOptions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelException($"model manifest {path}: cannot read it ({e.Message})", e);
        }

        if (manifest is null)
        {
            throw new ModelException($"model manifest {path}: empty");
        }

        manifest = manifest with { Directory = Path.GetDirectoryName(Path.GetFullPath(path)) };
        manifest.Validate(path);
        return manifest;
    }

    private void Validate(string path)
    {
        if (!DetectorLayouts.All.Contains(Layout, StringComparer.Ordinal))
        {
            throw new ModelException(
                $"model manifest {path}: layout '{Layout}' is not supported; expected one of {string.Join(", ", DetectorLayouts.All)}");
        }

        if (Sha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)))
        {
            throw new ModelException($"model manifest {path}: sha256 '{sha}' is not 64 lower-case hex digits");
        }

        if (ScoreThreshold is <= 0 or > 1 || NmsThreshold is <= 0 or > 1)
        {
            throw new ModelException($"model manifest {path}: scoreThreshold and nmsThreshold must be in (0, 1]");
        }
    }
}

/// <summary>The input a model expects. Fixed-size models give width and height; dynamic ones the resize rule.</summary>
public sealed record ModelInputSpec
{
    public string? Name { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>Dynamic-size models: resize so the short side is this long...</summary>
    public int ShortSide { get; init; }

    /// <summary>...unless that makes the long side exceed this.</summary>
    public int MaxLongSide { get; init; }
}

/// <summary>The output layouts the gateway can decode, one detector class each.</summary>
public static class DetectorLayouts
{
    public const string Yolox = "yolox";
    public const string FaceMaskRetina = "face-mask-retina";
    public const string Yolov8 = "yolov8";

    public static IReadOnlyList<string> All { get; } = [Yolox, FaceMaskRetina, Yolov8];
}
