using System.Text;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>Sizes of MQTT 5 packets as they go on the wire (TCP payload; no TLS or IP overhead).</summary>
public static class MqttWire
{
    /// <summary>Bytes of a QoS 1 PUBLISH with the given topic, payload, content type and user properties.</summary>
    public static int PublishBytes(string topic, int payloadLength, string? contentType, IEnumerable<(string Name, string Value)> userProperties)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(userProperties);
        var properties = 0;
        if (contentType is not null)
        {
            properties += 1 + 2 + Encoding.UTF8.GetByteCount(contentType);
        }

        foreach (var (name, value) in userProperties)
        {
            properties += 1 + 2 + Encoding.UTF8.GetByteCount(name) + 2 + Encoding.UTF8.GetByteCount(value);
        }

        var variableHeader = 2 + Encoding.UTF8.GetByteCount(topic) + 2 + VariableIntegerBytes(properties) + properties;
        var remaining = variableHeader + payloadLength;
        return 1 + VariableIntegerBytes(remaining) + remaining;
    }

    /// <summary>A PUBACK with reason code Success and no properties.</summary>
    public const int PubackBytes = 4;

    public static int VariableIntegerBytes(int value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };
}
