using EdgeGateway.Contracts;

namespace CloudRelay.Evidence;

/// <summary>Where clips live at the relay: <c>{DataDir}/clips/{site}/{device}/{alertId}.mp4</c>, and <c>.part</c> while arriving.</summary>
public sealed class ClipFiles(string dataDir)
{
    public string Root { get; } = Path.Combine(Path.GetFullPath(dataDir), "clips");

    /// <summary>The finished clip's path; null when the names are not safe in a path.</summary>
    public string? FinalPath(string site, string device, Guid alertId) =>
        DeviceNames.IsValid(site) && DeviceNames.IsValid(device) ? Path.Combine(Root, site, device, $"{alertId:D}.mp4") : null;

    public static string PartPath(string finalPath) => finalPath + ".part";
}
