using System.Globalization;
using System.Text.Json;

namespace EdgeGateway.Core.Elevator;

/// <summary>
/// The car's run statistics since the box was installed: runs, door cycles, running time, travel, the
/// highest speed, and stops per floor. They go upstream in the telemetry class every
/// <c>Elevator:StatisticsInterval</c>, and persist across restarts in the same JSON.
/// </summary>
public sealed record ElevatorStatistics(
    DateTimeOffset At,
    long Runs,
    long DoorCycles,
    double RunningSeconds,
    double TravelM,
    double MaxSpeedMps,
    IReadOnlyDictionary<int, long> StopsPerFloor)
{
    public static ElevatorStatistics Empty(DateTimeOffset at) => new(at, 0, 0, 0, 0, 0, new Dictionary<int, long>());

    /// <summary>The JSON of the telemetry message and the stored file (device and site only upstream).</summary>
    public byte[] Encode(DeviceIdentity? identity = null)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (identity is not null)
            {
                writer.WriteString("device", identity.DeviceId);
                writer.WriteString("site", identity.SiteId);
            }

            writer.WriteString("type", "elevator_statistics");
            writer.WriteNumber("ts", At.ToUnixTimeMilliseconds());
            writer.WriteNumber("runs", Runs);
            writer.WriteNumber("door_cycles", DoorCycles);
            writer.WriteNumber("running_s", Math.Round(RunningSeconds, 1));
            writer.WriteNumber("travel_m", Math.Round(TravelM, 1));
            writer.WriteNumber("max_speed_mps", Math.Round(MaxSpeedMps, 2));
            writer.WriteStartObject("stops_per_floor");
            foreach (var (floor, stops) in StopsPerFloor.OrderBy(kv => kv.Key))
            {
                writer.WriteNumber(floor.ToString(CultureInfo.InvariantCulture), stops);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; null for anything else (a torn or foreign file).</summary>
    public static ElevatorStatistics? TryDecode(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var stops = new Dictionary<int, long>();
            foreach (var property in root.GetProperty("stops_per_floor").EnumerateObject())
            {
                stops[int.Parse(property.Name, CultureInfo.InvariantCulture)] = property.Value.GetInt64();
            }

            return new ElevatorStatistics(
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("ts").GetInt64()),
                root.GetProperty("runs").GetInt64(),
                root.GetProperty("door_cycles").GetInt64(),
                root.GetProperty("running_s").GetDouble(),
                root.GetProperty("travel_m").GetDouble(),
                root.GetProperty("max_speed_mps").GetDouble(),
                stops);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            return null;
        }
    }
}
