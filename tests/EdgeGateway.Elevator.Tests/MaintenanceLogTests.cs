using EdgeGateway.Elevator.Maintenance;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Unit")]
public sealed class MaintenanceLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-maint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Last_check_in_survives_a_restart_and_a_torn_last_line()
    {
        var at = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(8));
        new MaintenanceLog(_dir).CheckIn("Zhang San", at.AddDays(-15));
        new MaintenanceLog(_dir).CheckIn("Li Si", at);
        File.AppendAllText(Path.Combine(_dir, MaintenanceLog.FileName), "{\"at\":\"2026-03-0");

        var last = new MaintenanceLog(_dir).Last();

        Assert.Equal(new MaintenanceVisit(at, "Li Si"), last);
    }

    [Fact]
    public void No_log_means_no_visit()
    {
        Assert.Null(new MaintenanceLog(_dir).Last());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\nb")]
    public void Technician_name_must_be_printable(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => new MaintenanceLog(_dir).CheckIn(name, DateTimeOffset.UnixEpoch));
        Assert.StartsWith("technician: expected a name", ex.Message, StringComparison.Ordinal);
    }
}
