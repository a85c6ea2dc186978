namespace CloudRelay.Database;

/// <summary>A device's health report as stored: the box's CBOR as it came (decoded when read), and when the relay received it.</summary>
public sealed record HealthRecord(byte[] Report, long ReceivedMs);

/// <summary>One registered device with its latest health report, if it ever sent one.</summary>
public sealed record HealthDeviceRow(string Site, string Device, bool Online, HealthRecord? Latest);

/// <summary>
/// Device health: the latest report per device, and a history of one point per slot (a report in a slot that has one
/// replaces it), so history costs one row per device and interval however often a box reports.
/// </summary>
public interface IHealthStore
{
    /// <summary>Keeps the report as the device's latest and as its point for the slot starting at <paramref name="slotMs"/>.</summary>
    Task SetHealthAsync(string site, string device, byte[] report, long receivedMs, long slotMs, CancellationToken cancellationToken);

    /// <summary>Deletes the points of slots before <paramref name="beforeMs"/> (by the slot index) and returns how many.</summary>
    Task<int> DeleteHealthBeforeAsync(long beforeMs, CancellationToken cancellationToken);

    /// <summary>Registered devices (of one site, or all) with their latest report, in one query, by site and device.</summary>
    Task<IReadOnlyList<HealthDeviceRow>> ListHealthAsync(string? site, CancellationToken cancellationToken);

    /// <summary>The device's points from <paramref name="sinceMs"/> on, oldest first.</summary>
    Task<IReadOnlyList<HealthRecord>> HealthHistoryAsync(string site, string device, long sinceMs, CancellationToken cancellationToken);
}
