using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Replay;

/// <summary>One alert from a replay: seconds from the scenario start and the machine's decision.</summary>
public sealed record ReplayAlert(double T, FaultChange Change)
{
    public string Kind => Change.Kind;

    public AlertState State => Change.State;

    public int? Floor => Change.Draft.Attributes?.TryGetValue("floor", out var floor) == true
        && int.TryParse(floor, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The contract line, e.g. <c>{"t":95.0,"kind":"trapped","state":"raised","floor":3,...}</c>.</summary>
    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("t");
            json.WriteRawValue(T.ToString("0.0##", CultureInfo.InvariantCulture));
            json.WriteString("kind", Kind);
            json.WriteString("state", State == AlertState.Raised ? "raised" : "cleared");
            if (Floor is { } floor)
            {
                json.WriteNumber("floor", floor);
            }
            else
            {
                json.WriteNull("floor");
            }

            json.WriteString("severity", Change.Draft.Severity.ToString().ToLowerInvariant());
            foreach (var (key, value) in Change.Draft.Attributes ?? Alert.EmptyAttributes)
            {
                if (key is not ("floor" or "car"))
                {
                    json.WriteString(key, value);
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
