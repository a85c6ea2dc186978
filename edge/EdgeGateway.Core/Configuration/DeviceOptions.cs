namespace EdgeGateway.Core.Configuration;

/// <summary><c>Device:*</c>: who this box is.</summary>
public sealed class DeviceOptions
{
    public const string Section = "Device";

    public string Id { get; set; } = "";

    public string Site { get; set; } = "";
}
