namespace CloudRelay.Settings;

/// <summary>Delivering fleet configuration to devices (<c>Relay:Fleet</c>).</summary>
public sealed class RelayFleetOptions
{
    /// <summary>How often a running relay reads the latest layer revision, to see changes the CLI or another instance made.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Desired configurations handed to the broker together before the delivery yields to ingest.</summary>
    public int DeliveryBatch { get; set; } = 200;

    /// <summary>How often boxes report their health: one history point per device and interval, and stale after three.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal IEnumerable<string> Problems()
    {
        if (PollInterval < TimeSpan.FromMilliseconds(50))
        {
            yield return $"Relay:Fleet:PollInterval '{PollInterval}' is invalid; expected a time span of at least 00:00:00.050 such as 00:00:01";
        }

        if (DeliveryBatch is < 1 or > 10_000)
        {
            yield return $"Relay:Fleet:DeliveryBatch '{DeliveryBatch}' is invalid; expected a whole number of 1-10000";
        }

        if (HealthInterval < TimeSpan.FromSeconds(1) || HealthInterval > TimeSpan.FromHours(1))
        {
            yield return $"Relay:Fleet:HealthInterval '{HealthInterval}' is invalid; expected a time span of 00:00:01-01:00:00 such as 00:01:00";
        }
    }
}
