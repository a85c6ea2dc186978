using System.Text.RegularExpressions;
using EdgeGateway.Contracts;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;
using CameraUrlKinds = EdgeGateway.Vision.Sources.CameraUrl;

namespace EdgeGateway.Host.Setup;

/// <summary>
/// Checks every installer-facing field. Each rule is also usable alone, so the interactive
/// prompts reject a bad value as soon as it is typed.
/// </summary>
internal static partial class GatewaySettingsValidator
{
    public const string SimulatedBoard = "simulated";
    public static readonly IReadOnlyList<string> Roles = CameraRoles.All;
    public static readonly string[] Encodings = ["cbor", "json"];

    /// <summary>Every problem, one per line; empty when the settings are usable.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(GatewaySettings settings, InstallCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(catalog);
        var problems = new List<ConfigProblem>();
        void Check(string key, string? value, string? expected, bool secret = false)
        {
            if (expected is not null)
            {
                problems.Add(new ConfigProblem(key, secret && !string.IsNullOrEmpty(value) ? "(hidden)" : value, expected));
            }
        }

        Check(ConfigKeys.DeviceId, settings.DeviceId, DeviceName(settings.DeviceId));
        Check(ConfigKeys.DeviceSite, settings.SiteId, DeviceName(settings.SiteId));
        Check(ConfigKeys.DataDir, settings.DataDir, AbsolutePath(settings.DataDir, required: false));
        Check(ConfigKeys.ModelsDir, settings.ModelsDir, AbsolutePath(settings.ModelsDir, required: false));

        if (settings.Cameras.Count == 0 && string.IsNullOrEmpty(settings.Board))
        {
            problems.Add(new ConfigProblem($"{ConfigKeys.Cameras} / {ConfigKeys.Board}", string.Empty, "expected at least one camera or an elevator board profile; the box would watch nothing"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.Cameras.Count; i++)
        {
            var camera = settings.Cameras[i];
            var key = $"{ConfigKeys.Cameras}:{i}";
            Check($"{key}:Id", camera.Id, CameraId(camera.Id) ?? (seen.Add(camera.Id) ? null : "expected a camera id used only once"));
            Check($"{key}:Url", Redacted(camera.Url), CameraUrl(camera.Url));
            Check($"{key}:Role", camera.Role, Role(camera.Role));
            Check($"{key}:Model", camera.Model, Model(camera.Model, catalog));
            for (var z = 0; z < camera.Zones.Count; z++)
            {
                var zone = camera.Zones[z];
                Check($"{key}:Zones:{z}:Name", zone.Name, Name(zone.Name));
                Check($"{key}:Zones:{z}:Points", ZoneText(zone), Zone(zone.Points));
            }
        }

        Check(ConfigKeys.Board, settings.Board, settings.Board is null ? null : Board(settings.Board, catalog));
        Check(ConfigKeys.Broker, BrokerAddress.Redacted(settings.Broker), Broker(settings.Broker, required: false));
        Check(ConfigKeys.Encoding, settings.Encoding, settings.Encoding is null ? null : Encoding(settings.Encoding));
        if (!string.IsNullOrEmpty(settings.Password) && string.IsNullOrEmpty(settings.Username))
        {
            Check(ConfigKeys.Username, settings.Username, "expected a user name because Uplink:Password is set");
        }

        Check(ConfigKeys.ClientCertificate, settings.ClientCertificate, ExistingFile(settings.ClientCertificate));
        Check(ConfigKeys.ClientKey, settings.ClientKey, ExistingFile(settings.ClientKey));
        Check(ConfigKeys.RelayUrl, settings.RelayUrl, settings.RelayUrl is null ? null : RelayUrl(settings.RelayUrl));
        if (settings.DiagnosticsUrl is not null && !DiagnosticsListener.TryParse(settings.DiagnosticsUrl, out _, out var urlProblem))
        {
            Check(ConfigKeys.DiagnosticsUrl, settings.DiagnosticsUrl, urlProblem);
        }

        if (string.IsNullOrEmpty(settings.PasswordHash))
        {
            Check(ConfigKeys.PasswordHash, string.Empty, "expected a technician password hash; set one with `edgegw provision` (prompt, --diagnostics-password-file or --diagnostics-password-stdin)");
        }
        else if (!TechnicianPassword.IsWellFormed(settings.PasswordHash))
        {
            Check(ConfigKeys.PasswordHash, settings.PasswordHash, "expected 'pbkdf2-sha512$<iterations>$<salt>$<hash>' as written by `edgegw provision`", secret: true);
        }

        return problems;
    }

    /// <summary>Device and site ids: the wire contract's grammar (<see cref="DeviceNames"/>), the one the relay checks.</summary>
    public static string? DeviceName(string? value) =>
        DeviceNames.IsValid(value) ? null : $"expected 1 to {DeviceNames.MaxLength} letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#')";

    /// <summary>Zone names: they end up in alert attributes and file names.</summary>
    public static string? Name(string? value) =>
        string.IsNullOrEmpty(value) ? "expected a name: 2 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"
        : NamePattern().IsMatch(value) ? null
        : "expected 2 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit (no spaces, '/', '+' or '#')";

    public static string? CameraId(string? value) =>
        value is not null && CameraIdPattern().IsMatch(value) ? null
        : "expected a short camera id: 1 to 64 of letters, digits, '.', '_' and '-', e.g. k1";

    public static string? CameraUrl(string? value)
    {
        if (!CameraUrlKinds.TryClassify(value, out var kind))
        {
            return "expected rtsp://host[:port]/path, http(s):// (MJPEG), /dev/videoN or a video file path";
        }

        return kind == SourceKind.File && !File.Exists(CameraUrlKinds.OpenTarget(value!))
            ? "expected an existing video file"
            : null;
    }

    public static string? Role(string? value) =>
        value is not null && Roles.Contains(value, StringComparer.Ordinal) ? null : $"expected one of: {string.Join(", ", Roles)}";

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

    public static string? Encoding(string? value) =>
        value is not null && Encodings.Contains(value, StringComparer.Ordinal) ? null : $"expected one of: {string.Join(", ", Encodings)}";

    /// <summary>The relay's address: https://, or plain http:// only to a relay on this machine (the claim returns the device's token).</summary>
    public static string? RelayUrl(string? value) => RelayClaim.UrlProblem(value);

    public static string? AbsolutePath(string? value, bool required) =>
        string.IsNullOrEmpty(value) ? (required ? "expected an absolute path" : null)
        : Path.IsPathFullyQualified(value) ? null
        : "expected an absolute path such as /var/lib/edgegw";

    public static string? ExistingFile(string? value) =>
        string.IsNullOrEmpty(value) || File.Exists(value) ? null : "expected an existing file";

    public static string? Zone(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 3)
        {
            return "expected at least 3 points x:y with x and y between 0 and 1 (fractions of the image)";
        }

        return points.All(p => p.X is >= 0 and <= 1 && p.Y is >= 0 and <= 1)
            ? null
            : "expected every point x:y between 0 and 1 (fractions of the image width and height)";
    }

    /// <summary>Hides a password in a camera URL before it is shown.</summary>
    public static string Redacted(string url) => CameraUrlKinds.Redact(url);

    private static string ZoneText(ZoneSettings zone) =>
        string.Join(';', zone.Points.Select(p => FormattableString.Invariant($"{p.X}:{p.Y}")));

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{1,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex CameraIdPattern();
}
