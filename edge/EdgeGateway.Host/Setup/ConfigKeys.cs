namespace EdgeGateway.Host.Setup;

/// <summary>The config keys the installer sets, in one place.</summary>
internal static class ConfigKeys
{
    public const string DeviceId = "Device:Id";
    public const string DeviceSite = "Device:Site";
    public const string DataDir = "Storage:DataDir";
    public const string Cameras = "Cameras";
    public const string ModelsDir = "Models:CacheDir";
    public const string Board = "Elevator:Board";
    public const string Broker = "Uplink:Broker";
    public const string Username = "Uplink:Username";
    public const string Password = "Uplink:Password";
    public const string Encoding = "Uplink:Encoding";
    public const string ClientCertificate = "Uplink:ClientCertFile";
    public const string ClientKey = "Uplink:ClientKeyFile";
    public const string RelayUrl = "Relay:Url";
    public const string DiagnosticsUrl = "Diagnostics:Url";
    public const string DiagnosticsCertificate = "Diagnostics:CertificatePath";
    public const string DiagnosticsCertificateKey = "Diagnostics:CertificateKeyPath";
    public const string PasswordHash = "Diagnostics:PasswordHash";
    public const string CaFile = "Uplink:CaFile";
}
