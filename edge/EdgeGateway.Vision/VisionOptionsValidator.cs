using System.Globalization;
using System.Text.RegularExpressions;
using EdgeGateway.Vision.Rules;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Options;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Vision.Configuration;

namespace EdgeGateway.Vision;

/// <summary>Checks the whole vision configuration; each problem is one line: key, value, what was expected.</summary>
public sealed partial class VisionOptionsValidator : IValidateOptions<VisionOptions>
{
    public ValidateOptionsResult Validate(string? name, VisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IEnumerable<string> Problems(VisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Cameras.Count; i++)
        {
            var camera = options.Cameras[i];
            var key = $"Cameras:{i}";
            if (CameraIdProblem(camera.Id) is { } badId)
            {
                yield return Line($"{key}:Id", camera.Id, badId);
            }
            else if (!ids.Add(camera.Id!))
            {
                yield return Line($"{key}:Id", camera.Id, "expected an id no other camera uses");
            }

            if (CameraUrlProblem(camera.Url) is { } badUrl)
            {
                yield return Line($"{key}:Url", camera.Url is null ? null : CameraUrl.Redact(camera.Url), badUrl);
            }

            if (camera.DetectUrl is { Length: > 0 } detectUrl && CameraUrlProblem(detectUrl) is { } badDetectUrl)
            {
                yield return Line($"{key}:DetectUrl", CameraUrl.Redact(detectUrl), badDetectUrl);
            }

            if (RoleProblem(camera.Role) is { } badRole)
            {
                yield return Line($"{key}:Role", camera.Role, badRole);
            }

            if (string.IsNullOrWhiteSpace(camera.Model))
            {
                yield return Line($"{key}:Model", camera.Model, "a model name such as yolox-nano-coco80, a manifest path or a model folder");
            }

            foreach (var problem in Range(key, camera))
            {
                yield return problem;
            }

            var zoneNames = new HashSet<string>(StringComparer.Ordinal);
            for (var z = 0; z < camera.Zones.Count; z++)
            {
                var zone = camera.Zones[z];
                if ((ZoneNameProblem(zone.Name) ?? (zoneNames.Add(zone.Name!) ? null : "expected a name no other zone of this camera uses")) is { } badName)
                {
                    yield return Line($"{key}:Zones:{z}:Name", zone.Name, badName);
                }

                if (ZonePointsProblem(zone.Points) is { } badPoints)
                {
                    yield return Line($"{key}:Zones:{z}:Points", string.Join(" ", zone.Points.Select(p => $"[{string.Join(",", p)}]")), badPoints);
                }
            }

            for (var r = 0; r < camera.Rules.Count; r++)
            {
                foreach (var problem in RuleProblems($"{key}:Rules:{r}", camera.Rules[r], zoneNames))
                {
                    yield return problem;
                }
            }
        }

        if (options.Vision.TimeZone is { Length: > 0 } timeZone && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            yield return Line("Vision:TimeZone", timeZone, "an IANA time zone such as Asia/Shanghai");
        }

        if (options.Vision.SnapshotMaxWidth is < 64 or > 4096)
        {
            yield return Line("Vision:SnapshotMaxWidth", options.Vision.SnapshotMaxWidth, "64..4096");
        }

        if (options.Vision.SnapshotMaxBytes is < SnapshotLimits.MinBytes or > SnapshotLimits.MaxBytes)
        {
            yield return Line("Vision:SnapshotMaxBytes", options.Vision.SnapshotMaxBytes,
                $"{SnapshotLimits.MinBytes}..{SnapshotLimits.MaxBytes} (a snapshot travels to the relay as one message)");
        }
    }

    private static IEnumerable<string> Range(string key, CameraOptions camera)
    {
        if (camera.AnalysisFps is <= 0 or > 30)
        {
            yield return Line($"{key}:AnalysisFps", camera.AnalysisFps, "more than 0 and at most 30");
        }

        if (camera.MotionThreshold is < 0 or > 1)
        {
            yield return Line($"{key}:MotionThreshold", camera.MotionThreshold, "a fraction 0..1 of changed pixels");
        }

        if (camera.MotionPixelDelta is < 1 or > 255)
        {
            yield return Line($"{key}:MotionPixelDelta", camera.MotionPixelDelta, "1..255");
        }

        foreach (var (name, value) in new[]
                 {
                     ("RecheckSeconds", camera.RecheckSeconds), ("StallSeconds", camera.StallSeconds),
                     ("OpenTimeoutSeconds", camera.OpenTimeoutSeconds), ("ReconnectMinSeconds", camera.ReconnectMinSeconds),
                 })
        {
            if (value <= 0)
            {
                yield return Line($"{key}:{name}", value, "more than 0 seconds");
            }
        }

        if (camera.ReconnectMaxSeconds < camera.ReconnectMinSeconds)
        {
            yield return Line($"{key}:ReconnectMaxSeconds", camera.ReconnectMaxSeconds, $"at least ReconnectMinSeconds ({camera.ReconnectMinSeconds})");
        }
    }

    private static IEnumerable<string> RuleProblems(string key, RuleOptions rule, HashSet<string> zoneNames)
    {
        if (string.IsNullOrWhiteSpace(rule.Kind))
        {
            yield return Line($"{key}:Kind", rule.Kind, "an alert kind such as no_mask, animal_in_kitchen, ebike_in_car");
        }

        if (rule.Labels.Count == 0 || rule.Labels.Any(string.IsNullOrWhiteSpace))
        {
            yield return Line($"{key}:Labels", string.Join(",", rule.Labels), "one or more model labels, e.g. [\"cat\",\"dog\"]");
        }

        if (rule.MinScore is { } score && score is <= 0 or > 1)
        {
            yield return Line($"{key}:MinScore", score, "more than 0 and at most 1");
        }

        if (rule.Hits < 1)
        {
            yield return Line($"{key}:Hits", rule.Hits, "at least 1");
        }

        if (rule.WindowSeconds <= 0)
        {
            yield return Line($"{key}:WindowSeconds", rule.WindowSeconds, "more than 0 seconds");
        }

        if (rule.ClearSeconds < 0 || rule.CooldownSeconds < 0)
        {
            yield return Line($"{key}:ClearSeconds/CooldownSeconds", $"{rule.ClearSeconds}/{rule.CooldownSeconds}", "0 seconds or more");
        }

        if (rule.MatchIoU is <= 0 or > 1)
        {
            yield return Line($"{key}:MatchIoU", rule.MatchIoU, "more than 0 and at most 1");
        }

        foreach (var zone in rule.Zones.Where(z => !zoneNames.Contains(z)))
        {
            yield return Line($"{key}:Zones", zone, $"a zone of this camera ({(zoneNames.Count == 0 ? "none defined" : string.Join(", ", zoneNames))})");
        }

        if (rule.ActiveHours is { Length: > 0 } hours && !ActiveHours.TryParse(hours, out _))
        {
            yield return Line($"{key}:ActiveHours", hours, "HH:mm-HH:mm, e.g. 22:00-06:00");
        }
    }

    /// <summary>A camera id: it names the camera in alerts, files and URLs. Null when good, else what was expected.</summary>
    public static string? CameraIdProblem(string? id) =>
        IdPattern().IsMatch(id ?? string.Empty) ? null : "expected letters, digits, '.', '_' or '-' (1-64 characters)";

    /// <summary>A camera address the readers can open. Null when good, else what was expected.</summary>
    public static string? CameraUrlProblem(string? url) =>
        CameraUrl.TryClassify(url, out _) ? null : "expected rtsp://…, http(s)://… (MJPEG), a video file path or file://…, or /dev/videoN";

    /// <summary>A camera's role, which picks its default rules. Null when good, else what was expected.</summary>
    public static string? RoleProblem(string? role) =>
        CameraRoles.All.Contains(role, StringComparer.Ordinal) ? null : $"expected {string.Join(" or ", CameraRoles.All)}";

    /// <summary>A zone's name, shown in alerts: 1 to 64 characters (whether another zone uses it is the caller's check).</summary>
    public static string? ZoneNameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > 64 || name.Any(char.IsControl)
            ? "expected a name of 1 to 64 characters, unique on this camera"
            : null;

    /// <summary>A zone's outline: at least 3 points, each [x,y] in fractions of the frame.</summary>
    public static string? ZonePointsProblem(IReadOnlyList<double[]> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Count < 3 || points.Any(p => p.Length != 2 || p.Any(v => v is < 0 or > 1))
            ? "expected at least 3 points [x,y] with x and y in 0..1 (fractions of the frame)"
            : null;
    }

    /// <summary>The box's one line per problem: the key, the value, what was expected.</summary>
    private static string Line(string key, object? value, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"{key} = '{value}': {(expected.StartsWith("expected ", StringComparison.Ordinal) ? expected : "expected " + expected)}");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex IdPattern();
}
