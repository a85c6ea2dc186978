namespace CloudRelay.Devices;

/// <summary>
/// What a box needs to connect: MQTT username <c>site/device</c> and a token as the password
/// (the edge's <c>Uplink:Username</c> and <c>Uplink:Password</c>). The token is shown once and stored only as a hash.
/// </summary>
public sealed record DeviceCredentials(string Site, string Device, string Username, string Password)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"{Username} (token hidden)";
}
