using CloudRelay.Health;
using CloudRelay.Database;
using EdgeGateway.Contracts.Telemetry;

namespace CloudRelay.Tests;

/// <summary>How the health view judges reports: a dead camera is bad, a connected box that went quiet is stale, worst first.</summary>
[Trait("Category", "Unit")]
public sealed class HealthViewTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private const long Now = 10_000_000;

    [Fact]
    public void Devices_are_listed_worst_first_and_a_connected_box_silent_for_three_intervals_is_stale()
    {
        var fine = HealthReports.Make(8).Encode();
        var rows = HealthView.Rows(
        [
            new HealthDeviceRow("s1", "a-fine", true, new HealthRecord(fine, Now - 1_000)),
            new HealthDeviceRow("s1", "b-dead-camera", true, new HealthRecord(HealthReports.Make(0).Encode(), Now - 1_000)),
            new HealthDeviceRow("s1", "c-quiet", true, new HealthRecord(fine, Now - 181_000)),
            new HealthDeviceRow("s1", "d-offline-old", false, new HealthRecord(fine, Now - 3_600_000)),
            new HealthDeviceRow("s1", "e-never", true, null),
            new HealthDeviceRow("s1", "f-hot-full", true, new HealthRecord((HealthReports.Make(8) with { TemperatureC = 80, DiskFreeBytes = 4_000_000_000 }).Encode(), Now)),
        ], Interval, Now);

        Assert.Equal(["c-quiet", "b-dead-camera", "f-hot-full", "a-fine", "d-offline-old", "e-never"], rows.Select(r => r.Device));
        Assert.Equal(["stale", "bad", "warn", "ok", "ok", "none"], rows.Select(HealthView.Word));
        Assert.Equal(HealthState.Bad, rows[1].Areas[HealthView.Cameras]);
        Assert.Equal(HealthState.Warn, rows[2].Areas[HealthView.Temperature]);
        Assert.Equal(HealthState.Warn, rows[2].Areas[HealthView.Disk]);
        Assert.Equal(HealthState.None, rows[3].Areas[HealthView.Elevator]);
    }

    [Fact]
    public void An_uplink_that_is_down_is_bad_and_an_elevator_without_samples_is_bad()
    {
        var areas = HealthView.Judge(HealthReports.Make(8) with { UplinkConnected = false, ElevatorSamplesPerSecond = 0 });

        Assert.Equal(HealthState.Bad, areas[HealthView.Uplink]);
        Assert.Equal(HealthState.Bad, areas[HealthView.Elevator]);
        Assert.Equal(HealthState.Ok, areas[HealthView.Cameras]);
    }
}
