using CloudRelay.Devices;
using CloudRelay.Database;

namespace CloudRelay.Ingest;

/// <summary>
/// Who a connection is: the device its own CONNECT authenticated as, and the credential it used
/// (<c>token:{hash}</c> or <c>cert:{thumbprint}</c>), so a renewed token or a removed device ends the session.
/// </summary>
internal sealed record DeviceSession(DeviceRecord Device, string Credential)
{
    /// <summary>False when the device is gone, its credential changed, or the client id is no longer its own.</summary>
    public bool StillValid(DeviceRecord? current, string clientId)
    {
        if (current is null || !ClientIds.IsOwn(current, clientId))
        {
            return false;
        }

        return Credential.StartsWith("cert:", StringComparison.Ordinal)
            ? string.Equals(Credential, "cert:" + current.CertificateThumbprint, StringComparison.Ordinal)
            : string.Equals(Credential, "token:" + current.TokenHash, StringComparison.Ordinal);
    }
}
