using System.Globalization;

namespace EdgeGateway.Vision.Rules;

/// <summary>A daily local-time window <c>HH:mm-HH:mm</c>; the end may be past midnight.</summary>
public readonly record struct ActiveHours(TimeOnly Start, TimeOnly End)
{
    public bool Contains(TimeOnly time) =>
        Start <= End ? time >= Start && time < End : time >= Start || time < End;

    public static bool TryParse(string? text, out ActiveHours hours)
    {
        hours = default;
        var parts = text?.Split('-', StringSplitOptions.TrimEntries);
        if (parts is not [var start, var end]
            || !TimeOnly.TryParseExact(start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var s)
            || !TimeOnly.TryParseExact(end, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var e))
        {
            return false;
        }

        hours = new ActiveHours(s, e);
        return true;
    }
}
