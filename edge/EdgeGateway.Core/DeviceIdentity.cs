namespace EdgeGateway.Core;

/// <summary>Who this box is: set by the installer at provision time.</summary>
public sealed record DeviceIdentity(string DeviceId, string SiteId);
