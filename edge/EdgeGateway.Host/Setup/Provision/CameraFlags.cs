using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>
/// Parses the scriptable camera and zone flags:
/// <c>--camera id=k1,url=rtsp://10.0.0.21/stream1,role=kitchen,model=face-mask-retina</c> and
/// <c>--zone k1/prep=0.1:0.2;0.9:0.2;0.9:0.95;0.1:0.95</c> (points are x:y fractions of the image).
/// </summary>
internal static partial class CameraFlags
{
    public const string DefaultRole = "kitchen";
    public const string DefaultModel = "face-mask-retina";
    private static readonly string[] CameraKeys = ["id", "url", "role", "model"];

    public static List<CameraSettings> Parse(IEnumerable<string> cameras, IEnumerable<string> zones, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var parsed = new List<CameraSettings>();
        foreach (var flag in cameras)
        {
            if (ParseCamera(flag, out var problem) is { } camera)
            {
                parsed.Add(camera);
            }
            else
            {
                problems.Add(new ConfigProblem("--camera", flag, problem!));
            }
        }

        foreach (var flag in zones)
        {
            var match = ZonePattern().Match(flag);
            if (!match.Success)
            {
                problems.Add(new ConfigProblem("--zone", flag, "expected camera/name=x:y;x:y;x:y… e.g. k1/prep=0.1:0.2;0.9:0.2;0.9:0.95"));
                continue;
            }

            var index = parsed.FindIndex(c => c.Id == match.Groups["camera"].Value);
            if (index < 0)
            {
                problems.Add(new ConfigProblem("--zone", flag, $"expected the id of a camera given with --camera ({string.Join(", ", parsed.Select(c => c.Id))})"));
                continue;
            }

            var points = ParsePoints(match.Groups["points"].Value);
            if (points is null)
            {
                problems.Add(new ConfigProblem("--zone", flag, "expected points as x:y separated by ';', each number between 0 and 1"));
                continue;
            }

            var camera = parsed[index];
            parsed[index] = camera with { Zones = [.. camera.Zones, new ZoneSettings(match.Groups["name"].Value, points)] };
        }

        return parsed;
    }

    public static List<(double X, double Y)>? ParsePoints(string text)
    {
        var points = new List<(double X, double Y)>();
        foreach (var pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var xy = pair.Split(':');
            if (xy.Length != 2
                || !double.TryParse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                || !double.TryParse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
            {
                return null;
            }

            points.Add((x, y));
        }

        return points;
    }

    private static CameraSettings? ParseCamera(string flag, out string? problem)
    {
        // Split on commas that start a known key, so a URL may contain commas.
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in CameraFieldSplit().Split(flag))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? part[..equals].Trim() : part.Trim();
            if (equals <= 0 || !CameraKeys.Contains(key, StringComparer.Ordinal))
            {
                problem = $"expected key=value pairs with keys {string.Join(", ", CameraKeys)}; '{part}' is not one";
                return null;
            }

            fields[key] = part[(equals + 1)..].Trim();
        }

        if (!fields.TryGetValue("id", out var id) || !fields.TryGetValue("url", out var url))
        {
            problem = "expected at least id=… and url=…, e.g. id=k1,url=rtsp://10.0.0.21/stream1";
            return null;
        }

        problem = null;
        return new CameraSettings(
            id,
            url,
            fields.GetValueOrDefault("role", DefaultRole),
            fields.GetValueOrDefault("model", DefaultModel),
            []);
    }

    [GeneratedRegex(",(?=\\s*(?:id|url|role|model)=)")]
    private static partial Regex CameraFieldSplit();

    [GeneratedRegex("^(?<camera>[^/=]+)/(?<name>[^=]+)=(?<points>.+)$")]
    private static partial Regex ZonePattern();
}
