using System.Text.Json;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// The platform code of each elevator alert kind: the default table (<c>seeds/config/elevator-codes.json</c>,
/// built into the assembly) with <c>Elevator:Codes</c> on top.
/// </summary>
public static class ElevatorCodes
{
    private const int MaxCodeLength = 32;

    /// <summary>The built-in table.</summary>
    public static IReadOnlyDictionary<string, string> Default { get; } = LoadDefault();

    /// <summary>Every kind an elevator alert has: those the fault machine raises, and the car camera's <c>ebike_in_car</c>.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [.. FaultRules.Kinds, AlertKinds.EbikeInCar];

    /// <summary>The effective table: the defaults with the configured entries on top.</summary>
    public static IReadOnlyDictionary<string, string> For(ElevatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var table = new Dictionary<string, string>(Default, StringComparer.Ordinal);
        foreach (var (kind, code) in options.Codes)
        {
            table[kind] = code;
        }

        return table;
    }

    /// <summary>The one rule for a code: 1 to 32 letters, digits, '-', '_' or '.'.</summary>
    public static bool IsValidCode(string? code) =>
        code is { Length: > 0 and <= MaxCodeLength } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static Dictionary<string, string> LoadDefault()
    {
        using var stream = typeof(ElevatorCodes).Assembly.GetManifestResourceStream("EdgeGateway.Elevator.elevator-codes.json")
            ?? throw new InvalidOperationException("the built-in elevator code table is missing from the assembly");
        using var document = JsonDocument.Parse(stream);
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!property.Name.StartsWith('_'))
            {
                table[property.Name] = property.Value.GetString()!;
            }
        }

        return table;
    }
}
