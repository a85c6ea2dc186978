using System.Globalization;
using System.Text.RegularExpressions;
using EdgeGateway.Vision.Rules;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Configuration;

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
            if (!IdPattern().IsMatch(camera.Id ?? string.Empty))
            {
                yield return Line($"{key}:Id", camera.Id, "letters, digits, '.', '_' or '-' (1-64 characters)");
            }
            else if (!ids.Add(camera.Id!))
            {
                yield return Line($"{key}:Id", camera.Id, "an id no other camera uses");
            }

            if (!CameraUrl.TryClassify(camera.Url, out _))
            {
                yield return Line($"{key}:Url", camera.Url is null ? null : CameraUrl.Redact(camera.Url), "rtsp://…, http(s)://… (MJPEG), a video file path or file://…, or /dev/videoN");
            }

            if (camera.DetectUrl is { Length: > 0 } detectUrl && !CameraUrl.TryClassify(detectUrl, out _))
            {
                yield return Line($"{key}:DetectUrl", CameraUrl.Redact(detectUrl), "rtsp://…, http(s)://… (MJPEG), a video file path or file://…, or /dev/videoN");
            }

            if (!CameraRoles.All.Contains(camera.Role, StringComparer.Ordinal))
            {
                yield return Line($"{key}:Role", camera.Role, string.Join(" or ", CameraRoles.All));
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
                if (string.IsNullOrWhiteSpace(zone.Name) || !zoneNames.Add(zone.Name))
                {
                    yield return Line($"{key}:Zones:{z}:Name", zone.Name, "a non-empty name unique on this camera");
                }

                if (zone.Points.Count < 3 || zone.Points.Any(p => p.Length != 2 || p.Any(v => v is < 0 or > 1)))
                {
                    yield return Line($"{key}:Zones:{z}:Points", string.Join(" ", zone.Points.Select(p => $"[{string.Join(",", p)}]")), "at least 3 points [x,y] with x and y in 0..1 (fractions of the frame)");
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

        if (options.Vision.SnapshotMaxBytes < 4096)
        {
            yield return Line("Vision:SnapshotMaxBytes", options.Vision.SnapshotMaxBytes, "at least 4096");
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

    private static string Line(string key, object? value, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"{key}: '{value}' is invalid; expected {expected}");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex IdPattern();
}
