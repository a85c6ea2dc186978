using EdgeGateway.Core.Alerts;
using EdgeGateway.Vision.Configuration;

namespace EdgeGateway.Vision.Rules;

/// <summary>
/// The rules a camera gets when its configuration lists none: an elevator car watches for e-bikes
/// (bicycle or motorcycle for at least 2 s within 5 s, cleared after 7 s without); a kitchen
/// watches for bare faces with a face-mask model and for cats and dogs with a COCO model.
/// </summary>
public static class DefaultRules
{
    public static IReadOnlyList<RuleOptions> For(CameraOptions camera, IReadOnlyList<string> modelLabels)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(modelLabels);
        if (camera.Rules.Count > 0)
        {
            return camera.Rules;
        }

        var twoSeconds = Math.Max(1, (int)Math.Ceiling(2 * camera.AnalysisFps));
        var rules = new List<RuleOptions>();
        if (camera.Role == CameraRoles.Car)
        {
            rules.Add(new RuleOptions
            {
                Kind = AlertKinds.EbikeInCar,
                Labels = ["bicycle", "motorcycle"],
                Hits = twoSeconds,
                WindowSeconds = 5,
                ClearSeconds = 7,
                CooldownSeconds = 0,
                PerObject = false,
                Severity = AlertSeverity.Major,
            });
            return rules;
        }

        if (modelLabels.Contains("no_mask"))
        {
            rules.Add(new RuleOptions
            {
                Kind = AlertKinds.NoMask,
                Labels = ["no_mask"],
                Hits = twoSeconds,
                WindowSeconds = 5,
                ClearSeconds = 10,
                CooldownSeconds = 60,
                Severity = AlertSeverity.Warning,
            });
        }

        if (modelLabels.Contains("cat") || modelLabels.Contains("dog"))
        {
            rules.Add(new RuleOptions
            {
                Kind = AlertKinds.AnimalInKitchen,
                Labels = ["cat", "dog"],
                Hits = twoSeconds,
                WindowSeconds = 5,
                ClearSeconds = 10,
                CooldownSeconds = 60,
                Severity = AlertSeverity.Major,
            });
        }

        return rules;
    }
}
