using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Setup;

/// <summary>A camera as the installer describes it.</summary>
internal sealed record CameraSettings(string Id, string Url, string Role, string Model, IReadOnlyList<ZoneSettings> Zones);

/// <summary>A named polygon on the camera image, in coordinates 0..1 of width and height.</summary>
internal sealed record ZoneSettings(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// The installer-facing part of the gateway config, read from any <see cref="IConfiguration"/>:
/// what <c>edgegw provision</c> writes and <c>edgegw doctor</c> checks.
/// </summary>
internal sealed record GatewaySettings
{
    public string? DeviceId { get; init; }

    public string? SiteId { get; init; }

    public string? DataDir { get; init; }

    public IReadOnlyList<CameraSettings> Cameras { get; init; } = [];

    public string? Board { get; init; }

    public string? Broker { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Encoding { get; init; }

    public string? ClientCertificate { get; init; }

    public string? ClientKey { get; init; }

    public string? RelayUrl { get; init; }

    public string? DiagnosticsUrl { get; init; }

    public string? DiagnosticsCertificate { get; init; }

    public string? DiagnosticsCertificateKey { get; init; }

    public string? PasswordHash { get; init; }

    public string? ModelsDir { get; init; }

    /// <summary>The CA the broker's certificate must chain to (<c>Uplink:CaFile</c>); the claim can bring it.</summary>
    public string? CaFile { get; init; }

    /// <summary>True when the file holds something that must stay on this box (mode 600).</summary>
    public bool HoldsSecrets => !string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(PasswordHash);

    public static GatewaySettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new GatewaySettings
        {
            DeviceId = configuration[ConfigKeys.DeviceId],
            SiteId = configuration[ConfigKeys.DeviceSite],
            DataDir = configuration[ConfigKeys.DataDir],
            Cameras = [.. configuration.GetSection(ConfigKeys.Cameras).GetChildren().Select(ReadCamera)],
            Board = configuration[ConfigKeys.Board],
            Broker = configuration[ConfigKeys.Broker],
            Username = configuration[ConfigKeys.Username],
            Password = configuration[ConfigKeys.Password],
            Encoding = configuration[ConfigKeys.Encoding],
            ClientCertificate = configuration[ConfigKeys.ClientCertificate],
            ClientKey = configuration[ConfigKeys.ClientKey],
            RelayUrl = configuration[ConfigKeys.RelayUrl],
            DiagnosticsUrl = configuration[ConfigKeys.DiagnosticsUrl],
            DiagnosticsCertificate = configuration[ConfigKeys.DiagnosticsCertificate],
            DiagnosticsCertificateKey = configuration[ConfigKeys.DiagnosticsCertificateKey],
            PasswordHash = configuration[ConfigKeys.PasswordHash],
            ModelsDir = configuration[ConfigKeys.ModelsDir],
            CaFile = configuration[ConfigKeys.CaFile],
        };
    }

    private static CameraSettings ReadCamera(IConfigurationSection camera) => new(
        camera["Id"] ?? string.Empty,
        camera["Url"] ?? string.Empty,
        camera["Role"] ?? string.Empty,
        camera["Model"] ?? string.Empty,
        [.. camera.GetSection("Zones").GetChildren().Select(zone => new ZoneSettings(
            zone["Name"] ?? string.Empty,
            [.. zone.GetSection("Points").GetChildren().Select(ReadPoint)]))]);

    private static (double X, double Y) ReadPoint(IConfigurationSection point)
    {
        var x = point["0"];
        var y = point["1"];
        return (Parse(x), Parse(y));

        static double Parse(string? text) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
    }
}
