using System.Globalization;
using EdgeGateway.Contracts;

namespace CloudRelay.Settings;

/// <summary>
/// <c>Relay:Cases</c>: which alert kinds open a case and how long the site has to rectify each.
/// A kind listed with an empty value (or <c>none</c>) opens no case; a kind not listed keeps its default.
/// </summary>
public sealed class RelayCasesOptions
{
    /// <summary>
    /// Deadline per kind as <c>d.hh:mm:ss</c> (or <c>hh:mm:ss</c>; <c>0</c> means overdue at once). Binding adds the
    /// configured kinds to these defaults.
    /// </summary>
    public Dictionary<string, string?> Deadlines { get; set; } = new(CaseDeadlines.Defaults, StringComparer.Ordinal);

    /// <summary>
    /// False (default): a case the box cleared (<c>resolved_at_source</c>) waits for an operator without its deadline
    /// running. True: the deadline runs until an operator rectifies it.
    /// </summary>
    public bool RequireOperatorClose { get; set; }

    /// <summary>How often the instance holding the lease looks for new alerts of a case kind and for passed deadlines.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal IEnumerable<string> Problems()
    {
        foreach (var (kind, value) in Deadlines)
        {
            if (!CaseDeadlines.TryParse(value, out _))
            {
                yield return $"Relay:Cases:Deadlines:{kind} '{value}' is invalid; expected a time span d.hh:mm:ss of 0 or more (e.g. 1.00:00:00), or empty for no case";
            }
            else if (kind == AlertKinds.RectificationOverdue)
            {
                yield return $"Relay:Cases:Deadlines:{kind} '{value}' is invalid; expected no deadline, since the relay raises {kind} itself";
            }
        }

        if (CheckInterval <= TimeSpan.Zero)
        {
            yield return $"Relay:Cases:CheckInterval '{CheckInterval}' is invalid; expected a positive time span such as 00:00:01";
        }
    }
}

/// <summary>The one parse rule for deadlines, used by the validator and at run time alike.</summary>
public static class CaseDeadlines
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>The defaults (README, <c>seeds/config/relay-cases.json</c>).</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        // Rats are escalated at once: the case is overdue the moment it opens.
        [AlertKinds.Rat] = "0",
        [AlertKinds.BinUncovered] = Format(2 * Hour),
        [AlertKinds.NoMask] = Format(Hour),
        [AlertKinds.NoHat] = Format(Hour),
        [AlertKinds.Smoking] = Format(24 * Hour),
        [AlertKinds.Trapped] = Format(TimeSpan.FromMinutes(30)),
        [AlertKinds.StopOutsideZone] = Format(24 * Hour),
        [AlertKinds.DoorOpenMoving] = Format(24 * Hour),
        [AlertKinds.Overspeed] = Format(24 * Hour),
        [AlertKinds.OvertravelTop] = Format(24 * Hour),
        [AlertKinds.OvertravelBottom] = Format(24 * Hour),
        [AlertKinds.DoorOpenTooLong] = Format(24 * Hour),
        [AlertKinds.DoorFault] = Format(24 * Hour),
        [AlertKinds.SafetyCircuitOpen] = Format(24 * Hour),
        [AlertKinds.PowerLoss] = Format(24 * Hour),
        [AlertKinds.AlarmButton] = Format(24 * Hour),
        [AlertKinds.EbikeInCar] = Format(24 * Hour),
        [AlertKinds.MaintenanceOverdue] = Format(TimeSpan.FromDays(7)),
        [AlertKinds.InspectionOverdue] = Format(TimeSpan.FromDays(7)),
    };

    /// <summary>True for a valid value; <paramref name="deadline"/> is null when the value means "no case".</summary>
    public static bool TryParse(string? text, out TimeSpan? deadline)
    {
        deadline = null;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed >= TimeSpan.Zero)
        {
            deadline = parsed;
            return true;
        }

        return false;
    }

    /// <summary>The kinds that open a case, with their deadlines. Call on validated options.</summary>
    public static IReadOnlyDictionary<string, TimeSpan> Resolve(RelayCasesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var resolved = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (kind, value) in options.Deadlines)
        {
            if (TryParse(value, out var deadline) && deadline is { } span)
            {
                resolved[kind] = span;
            }
        }

        return resolved;
    }

    private static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
}
