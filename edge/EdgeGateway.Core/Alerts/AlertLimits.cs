namespace EdgeGateway.Core.Alerts;

/// <summary>Bounds every decoder enforces, so a hostile payload costs little.</summary>
public static class AlertLimits
{
    public const int SchemaVersion = 1;
    public const int MaxPayloadBytes = 8 * 1024;
    public const int MaxAttributes = 32;
    public const int MaxStringLength = 256;
}
