using System.Text.Json;
using EdgeGateway.Configuration;

namespace EdgeGateway.Host.Configuration;

/// <summary>
/// Loads the gateway's JSON config file and turns every way it can be wrong into one line that
/// names the file, the line and what was expected.
/// </summary>
internal static class GatewayConfigFile
{
    public const string DefaultPath = Core.GatewayPaths.DefaultConfigFile;

    /// <summary>Returns null when the file is usable, else one line saying what is wrong.</summary>
    public static string? Check(string path)
    {
        if (!File.Exists(path))
        {
            return $"config file '{path}' does not exist; create it with `edgegw provision --config {path}`";
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? null
                : $"config file '{path}': the top level is a JSON {document.RootElement.ValueKind}; expected an object";
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber + 1;
            var column = ex.BytePositionInLine + 1;
            var reason = ex.Message.Split(". LineNumber", 2)[0].Split(" Path:", 2)[0];
            return $"config file '{path}' line {line}, column {column}: {reason}";
        }
        catch (UnauthorizedAccessException)
        {
            return $"config file '{path}' is not readable by this user; it is mode 600, run as its owner";
        }
    }

    /// <summary>
    /// One line for the service's start when a config file that holds secrets can be read by other users, else
    /// null. The service still starts: a box that stops sending alarms over a file mode is worse than the warning.
    /// </summary>
    public static string? SecretsExposure(string path, bool holdsSecrets)
    {
        if (!holdsSecrets || OperatingSystem.IsWindows() || !IsReadableByOthers(path))
        {
            return null;
        }

        var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
        return $"warning: config file '{path}' holds secrets but is mode {mode}, so other users can read it; run `chmod 600 {path}`";
    }

    /// <summary>True when group or others may read a file that holds secrets.</summary>
    public static bool IsReadableByOthers(string path) => SecretsFile.IsReadableByOthers(path);
}
