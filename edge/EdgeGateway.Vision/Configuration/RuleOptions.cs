using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Vision.Configuration;

/// <summary>
/// One violation rule of a camera (<c>Cameras:N:Rules:M</c>): which labels mean which violation,
/// how sure and how persistent a sighting must be, and when it counts as gone.
/// </summary>
public sealed class RuleOptions
{
    /// <summary>The alert kind raised, e.g. <c>no_mask</c>, <c>animal_in_kitchen</c>, <c>ebike_in_car</c>.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Model labels that mean this violation, e.g. <c>["cat", "dog"]</c> or <c>["no_mask"]</c>.</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>Minimum detection score; default: the model's threshold.</summary>
    public float? MinScore { get; set; }

    /// <summary>Persistence: at least this many analysed frames with a sighting...</summary>
    public int Hits { get; set; } = 3;

    /// <summary>...within this many seconds.</summary>
    public double WindowSeconds { get; set; } = 5;

    /// <summary>A raised violation is cleared after it has been absent this long.</summary>
    public double ClearSeconds { get; set; } = 7;

    /// <summary>After a clear, the same object (or camera, when not per object) cannot raise again for this long.</summary>
    public double CooldownSeconds { get; set; } = 30;

    /// <summary>Zone names the sighting must be in (box centre); empty means the whole frame.</summary>
    public List<string> Zones { get; set; } = [];

    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;

    /// <summary>Optional local-time window <c>HH:mm-HH:mm</c> (may wrap midnight) in which the rule applies, e.g. after hours.</summary>
    public string? ActiveHours { get; set; }

    /// <summary>
    /// True: each object (matched across frames by box overlap) has its own raise/clear, so two bare
    /// faces are two alerts. False: one violation per camera and rule.
    /// </summary>
    public bool PerObject { get; set; } = true;

    /// <summary>Box overlap (IoU) that makes two sightings the same object.</summary>
    public double MatchIoU { get; set; } = 0.3;
}
