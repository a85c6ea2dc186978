namespace CloudRelay.Devices;

/// <summary>
/// The device already holds credentials (a token or a certificate), so registering it again or making a claim code for
/// it would hand it to someone else. The message is one line that says what an admin may do instead.
/// </summary>
public sealed class DeviceTakenException(string message) : InvalidOperationException(message);
