namespace EdgeGateway.Configuration;

/// <summary>Whether a file that may hold secrets (a config file, a secrets file) is kept from other users.</summary>
public static class SecretsFile
{
    /// <summary>True when the file exists and its group or others may read it (never on Windows, which has no modes).</summary>
    public static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path)
        && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
