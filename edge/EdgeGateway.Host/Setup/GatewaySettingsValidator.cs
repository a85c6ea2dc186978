using EdgeGateway.Contracts;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;
using CameraUrlKinds = EdgeGateway.Vision.Sources.CameraUrl;
using EdgeGateway.Vision;

namespace EdgeGateway.Host.Setup;

/// <summary>
/// Checks every installer-facing field. Each rule is also usable alone, so the interactive
/// prompts reject a bad value as soon as it is typed.
/// </summary>
internal static class GatewaySettingsValidator
{
    public const string SimulatedBoard = EdgeGateway.Elevator.ElevatorOptions.SimulatedBoard;
    public static readonly IReadOnlyList<string> Roles = CameraRoles.All;

    /// <summary>
    /// What only the installer checks, one problem per line: that the box watches something, that its model and board
    /// are in the catalogue, that the files it names exist, the relay's address and the technician's password. Every
    /// other field is checked by the validators <c>run</c> uses (<see cref="StartupValidation.Problems"/>), over the
    /// configuration that would be written, so the installer, <c>doctor</c> and <c>run</c> say the same line.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> Validate(GatewaySettings settings, InstallCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(catalog);
        var problems = new List<ConfigProblem>();
        void Check(string key, string? value, string? expected)
        {
            if (expected is not null)
            {
                problems.Add(new ConfigProblem(key, value, expected));
            }
        }

        Check(ConfigKeys.DataDir, settings.DataDir, AbsolutePath(settings.DataDir, required: false));
        Check(ConfigKeys.ModelsDir, settings.ModelsDir, AbsolutePath(settings.ModelsDir, required: false));
        if (settings.Cameras.Count == 0 && string.IsNullOrEmpty(settings.Board))
        {
            problems.Add(new ConfigProblem($"{ConfigKeys.Cameras} / {ConfigKeys.Board}", string.Empty, "expected at least one camera or an elevator board profile; the box would watch nothing"));
        }

        for (var i = 0; i < settings.Cameras.Count; i++)
        {
            var camera = settings.Cameras[i];
            var key = $"{ConfigKeys.Cameras}:{i}";
            Check($"{key}:Url", Redacted(camera.Url), VideoFile(camera.Url));
            Check($"{key}:Model", camera.Model, Model(camera.Model, catalog));
        }

        Check(ConfigKeys.Board, settings.Board, settings.Board is null ? null : Board(settings.Board, catalog));
        Check(ConfigKeys.ClientCertificate, settings.ClientCertificate, ExistingFile(settings.ClientCertificate));
        Check(ConfigKeys.ClientKey, settings.ClientKey, ExistingFile(settings.ClientKey));
        Check(ConfigKeys.RelayUrl, settings.RelayUrl, settings.RelayUrl is null ? null : RelayUrl(settings.RelayUrl));
        if (string.IsNullOrEmpty(settings.PasswordHash))
        {
            Check(ConfigKeys.PasswordHash, string.Empty, "expected a technician password hash; set one with `edgegw provision --diagnostics-password-file`");
        }

        return problems;
    }

    /// <summary>Device and site ids: the wire contract's grammar (<see cref="DeviceNames"/>), the one the relay checks.</summary>
    public static string? DeviceName(string? value) => DeviceNames.IsValid(value) ? null : DeviceNames.Expected;

    /// <summary>A zone's name, as <c>run</c> checks it.</summary>
    public static string? Name(string? value) => VisionOptionsValidator.ZoneNameProblem(value);

    /// <summary>A camera id, as <c>run</c> checks it.</summary>
    public static string? CameraId(string? value) => VisionOptionsValidator.CameraIdProblem(value);

    /// <summary>A camera address as <c>run</c> checks it, and for a file, that the file is there (the installer's own rule).</summary>
    public static string? CameraUrl(string? value) => VisionOptionsValidator.CameraUrlProblem(value) ?? VideoFile(value);

    private static string? VideoFile(string? value) =>
        CameraUrlKinds.TryClassify(value, out var kind) && kind == SourceKind.File && !File.Exists(CameraUrlKinds.OpenTarget(value!))
            ? "expected an existing video file"
            : null;

    public static string? Model(string? value, InstallCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (string.IsNullOrEmpty(value))
        {
            return $"expected a model name ({string.Join(", ", catalog.Models)})";
        }

        if (value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            return File.Exists(value) ? null : "expected an existing .onnx file, or a model name";
        }

        return catalog.Models.Count == 0 || catalog.Models.Contains(value, StringComparer.Ordinal)
            ? null
            : $"expected one of the known models: {string.Join(", ", catalog.Models)}";
    }

    public static string? Board(string? value, InstallCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        string[] boards = [.. catalog.Boards, SimulatedBoard];
        return value is not null && boards.Contains(value, StringComparer.Ordinal)
            ? null
            : $"expected one of the board profiles: {string.Join(", ", boards)}";
    }

    public static string? Broker(string? value, bool required)
    {
        if (string.IsNullOrEmpty(value))
        {
            return required ? BrokerAddress.Expected : null;
        }

        return BrokerAddress.TryParse(value, out _, out var error) ? null : error;
    }

    /// <summary>The relay's address: https://, or plain http:// only to a relay on this machine (the claim returns the device's token).</summary>
    public static string? RelayUrl(string? value) => RelayClaim.UrlProblem(value);

    public static string? AbsolutePath(string? value, bool required) =>
        string.IsNullOrEmpty(value) ? (required ? "expected an absolute path" : null)
        : Path.IsPathFullyQualified(value) ? null
        : "expected an absolute path such as /var/lib/edgegw";

    public static string? ExistingFile(string? value) =>
        string.IsNullOrEmpty(value) || File.Exists(value) ? null : "expected an existing file";

    /// <summary>A zone's points, as <c>run</c> checks them.</summary>
    public static string? Zone(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return VisionOptionsValidator.ZonePointsProblem([.. points.Select(p => new[] { p.X, p.Y })]);
    }

    /// <summary>Hides a password in a camera URL before it is shown.</summary>
    public static string Redacted(string url) => CameraUrlKinds.Redact(url);
}
