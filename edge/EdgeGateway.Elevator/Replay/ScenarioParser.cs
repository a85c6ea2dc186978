using System.Globalization;
using System.Reflection;
using System.Text.Json;
using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Replay;

/// <summary>
/// Reads scenario lines (JSON Lines). Each timed line is an object with <c>t</c> (seconds from
/// the start, non-decreasing) and any subset of the signals; an optional first line
/// <c>{"config": {...}}</c> sets the building and timing overrides. Unknown keys are errors, so a
/// typo never silently passes.
/// </summary>
public static class ScenarioParser
{
    private static readonly PropertyInfo[] OptionProperties =
        typeof(ElevatorOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();

    /// <summary>The keys a timed line takes besides the signals of <see cref="ElevatorSignals"/>.</summary>
    private static readonly string[] OtherKeys = ["vibration_mps2", "speed_mps", "floor", "maintenance_checkin"];

    /// <summary>The expected keys, listed in the error line for an unknown one.</summary>
    internal static string ExpectedKeys { get; } =
        string.Join(", ", ["t", .. ElevatorSignals.Inputs.Select(s => s.Name), .. OtherKeys]);

    /// <summary>True when the line is the optional config line.</summary>
    public static bool IsConfigLine(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("config", out _);

    public static JsonDocument ParseJson(string text, int lineNumber)
    {
        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new ScenarioException(lineNumber, "expected one JSON object per line");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new ScenarioException(lineNumber, $"not valid JSON ({ex.Message.Split('.')[0]})");
        }
    }

    public static ScenarioLine ParseLine(JsonElement root, int lineNumber, double previousT)
    {
        if (!root.TryGetProperty("t", out var tElement))
        {
            throw new ScenarioException(lineNumber, "missing \"t\" (seconds from the start)");
        }

        if (tElement.ValueKind != JsonValueKind.Number || !tElement.TryGetDouble(out var t) || !double.IsFinite(t) || t < 0)
        {
            throw new ScenarioException(lineNumber, $"\"t\" must be a number of seconds >= 0, got {tElement.GetRawText()}");
        }

        if (t < previousT)
        {
            throw new ScenarioException(lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"\"t\" goes back in time ({t} after {previousT}); t must be non-decreasing"));
        }

        var update = new SignalUpdate();
        string? checkIn = null;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "t":
                case ['_', ..]:
                    // "t" is read above; keys starting with an underscore are the author's notes.
                    break;
                case "speed_mps":
                    update.SpeedMps = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var speed) && double.IsFinite(speed) && Math.Abs(speed) < 100
                        ? speed
                        : throw new ScenarioException(lineNumber, $"\"speed_mps\" must be a signed number of m/s, got {value.GetRawText()}");
                    break;
                case "vibration_mps2":
                    update.VibrationMps2 = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var vibration) && double.IsFinite(vibration) && vibration is >= 0 and < 100
                        ? vibration
                        : throw new ScenarioException(lineNumber, $"\"vibration_mps2\" must be an RMS acceleration in m/s² from 0 to 100, got {value.GetRawText()}");
                    break;
                case "floor":
                    update.Floor = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var floor)
                        ? floor
                        : throw new ScenarioException(lineNumber, $"\"floor\" must be an integer, got {value.GetRawText()}");
                    break;
                case "maintenance_checkin":
                    checkIn = value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } name
                        ? name
                        : throw new ScenarioException(lineNumber, $"\"maintenance_checkin\" must be the technician's name, got {value.GetRawText()}");
                    break;
                case "ebike_seen":
                    throw new ScenarioException(lineNumber, "\"ebike_seen\" is not a signal: the car camera's vision rule raises ebike_in_car (Vision:Cameras:<name>:Rules, the default for Role car)");
                case "config":
                    throw new ScenarioException(lineNumber, "\"config\" is only allowed on the first line");
                case var key when ElevatorSignals.FindInScenario(key) is { } signal:
                    signal.Set(ref update, Bool(value, property.Name, lineNumber));
                    break;
                default:
                    throw new ScenarioException(lineNumber, $"unknown signal \"{property.Name}\"; expected {ExpectedKeys}");
            }
        }

        return new ScenarioLine(lineNumber, t, update, checkIn);
    }

    /// <summary>Applies the first line's <c>config</c> object to the options and settings.</summary>
    public static void ApplyConfig(JsonElement root, int lineNumber, ElevatorOptions options, ScenarioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        var config = root.GetProperty("config");
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new ScenarioException(lineNumber, "\"config\" must be an object");
        }

        foreach (var property in config.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "start":
                    settings.Start = Date(value, property.Name, lineNumber);
                    continue;
                case "last_maintenance":
                    settings.LastMaintenance = Date(value, property.Name, lineNumber);
                    continue;
                case "inspection_due":
                    options.InspectionDue = Date(value, property.Name, lineNumber);
                    continue;
                case "floor_heights_m":
                    options.FloorHeightsM.Clear();
                    foreach (var height in value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new ScenarioException(lineNumber, "\"floor_heights_m\" must be an array of metres"))
                    {
                        options.FloorHeightsM.Add(height.TryGetDouble(out var h) ? h : throw new ScenarioException(lineNumber, "\"floor_heights_m\" must hold numbers"));
                    }

                    continue;
                default:
                    break;
            }

            var target = FindOption(property.Name)
                ?? throw new ScenarioException(lineNumber, $"unknown config key \"{property.Name}\"; expected floors, bottom_floor, rated_speed_mps, start, " +
                    "last_maintenance, inspection_due or an Elevator option in snake_case (e.g. trapped_after_s)");
            target.SetValue(options, Convert(value, target.PropertyType, property.Name, lineNumber));
        }

        var problems = ElevatorOptionsValidator.Problems(options);
        if (problems.Count > 0)
        {
            throw new ScenarioException(lineNumber, "config: " + string.Join("; ", problems));
        }
    }

    private static PropertyInfo? FindOption(string key)
    {
        static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
        var wanted = Normalize(key);
        var match = OptionProperties.FirstOrDefault(p => Normalize(p.Name) == wanted);
        if (match is null)
        {
            foreach (var suffix in (string[])["_seconds", "_s"])
            {
                if (key.EndsWith(suffix, StringComparison.Ordinal))
                {
                    var stem = Normalize(key[..^suffix.Length]);
                    match = OptionProperties.FirstOrDefault(p => p.PropertyType == typeof(TimeSpan) && Normalize(p.Name) == stem);
                    break;
                }
            }
        }

        return match;
    }

    private static object Convert(JsonElement value, Type type, string key, int lineNumber)
    {
        try
        {
            if (type == typeof(TimeSpan))
            {
                return value.ValueKind == JsonValueKind.Number
                    ? TimeSpan.FromSeconds(value.GetDouble())
                    : TimeSpan.Parse(value.GetString() ?? "", CultureInfo.InvariantCulture);
            }

            if (type == typeof(int))
            {
                return value.GetInt32();
            }

            if (type == typeof(double))
            {
                return value.GetDouble();
            }

            if (type == typeof(bool))
            {
                return value.GetBoolean();
            }

            if (type == typeof(IList<string>) && value.ValueKind == JsonValueKind.Array)
            {
                return value.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException()).ToList();
            }

            if (type == typeof(string))
            {
                return value.GetString() ?? throw new FormatException();
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
        {
        }

        throw new ScenarioException(lineNumber, $"config \"{key}\" = {value.GetRawText()}: expected {Describe(type)}");
    }

    private static string Describe(Type type) =>
        type == typeof(TimeSpan) ? "seconds as a number or a duration like \"00:01:30\""
        : type == typeof(int) ? "an integer"
        : type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(IList<string>) ? "an array of strings"
        : "a string";

    private static bool Bool(JsonElement value, string key, int lineNumber) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ScenarioException(lineNumber, $"\"{key}\" must be true or false, got {value.GetRawText()}"),
    };

    private static DateTimeOffset Date(JsonElement value, string key, int lineNumber) =>
        value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw new ScenarioException(lineNumber, $"\"{key}\" must be an ISO 8601 date or time, got {value.GetRawText()}");
}
