namespace CloudRelay.Settings;

/// <summary>How long and how much evidence (clips) the relay keeps (<c>Relay:Evidence</c>). Alerts are never deleted by it.</summary>
public sealed class RelayEvidenceOptions
{
    /// <summary>Clips older than this many days are deleted.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>All clips together; past it the oldest go first.</summary>
    public long MaxMB { get; set; } = 20 * 1024;

    /// <summary>One device's clips; past it that device's oldest go first.</summary>
    public long MaxMBPerDevice { get; set; } = 2 * 1024;

    /// <summary>How often retention runs.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An unfinished clip that got no piece for this long is deleted at the next sweep.</summary>
    public TimeSpan PartTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Free space on the data disk kept for alerts and the database: below it every evidence piece is refused.</summary>
    public long ReserveMB { get; set; } = 1024;

    internal IEnumerable<string> Problems()
    {
        if (RetentionDays < 1)
        {
            yield return $"Relay:Evidence:RetentionDays '{RetentionDays}' is invalid; expected a whole number of days of at least 1";
        }

        if (MaxMB < 1)
        {
            yield return $"Relay:Evidence:MaxMB '{MaxMB}' is invalid; expected a whole number of at least 1";
        }

        if (MaxMBPerDevice < 1)
        {
            yield return $"Relay:Evidence:MaxMBPerDevice '{MaxMBPerDevice}' is invalid; expected a whole number of at least 1";
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            yield return $"Relay:Evidence:SweepInterval '{SweepInterval}' is invalid; expected a positive time span such as 00:10:00";
        }

        if (PartTtl < TimeSpan.FromSeconds(1))
        {
            yield return $"Relay:Evidence:PartTtl '{PartTtl}' is invalid; expected a time span of at least 00:00:01 such as 01:00:00";
        }

        if (ReserveMB < 0)
        {
            yield return $"Relay:Evidence:ReserveMB '{ReserveMB}' is invalid; expected a whole number of MB of at least 0";
        }
    }
}
