using CloudRelay.Evidence;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CloudRelay.Tests;

/// <summary>The clip ledger alone: unfinished bytes against both budgets, staleness on a fake clock, bounded locks.</summary>
[Trait("Category", "Unit")]
public sealed class ClipLedgerTests
{
    private const long Megabyte = 1024 * 1024;

    private static ClipLedger Ledger(TimeProvider time, long perDeviceMb = 2048, long allMb = 20480) =>
        new(new ClipFiles(Path.GetTempPath()), null!, Options.Create(new RelayOptions
        {
            Evidence = new RelayEvidenceOptions { MaxMBPerDevice = perDeviceMb, MaxMB = allMb },
        }), time);

    [Fact]
    public void Unfinished_bytes_count_against_the_devices_and_the_relays_budget_and_free_them_when_gone()
    {
        using var ledger = Ledger(new FakeTimeProvider(), perDeviceMb: 1, allMb: 2);
        var a = Guid.CreateVersion7();

        Assert.Null(ledger.TryGrow("s1", "a", a, Megabyte));
        var overDevice = ledger.TryGrow("s1", "a", Guid.CreateVersion7(), 1);
        Assert.Null(ledger.TryGrow("s1", "b", Guid.CreateVersion7(), Megabyte));
        var overRelay = ledger.TryGrow("s1", "c", Guid.CreateVersion7(), 1);
        ledger.PartGone(a);

        Assert.Contains("Relay:Evidence:MaxMBPerDevice", overDevice, StringComparison.Ordinal);
        Assert.Contains("Relay:Evidence:MaxMB)", overRelay, StringComparison.Ordinal);
        Assert.Null(ledger.TryGrow("s1", "c", Guid.CreateVersion7(), 1));
        Assert.Equal(0, ledger.DeviceBytes("s1", "a"));
        Assert.Equal(Megabyte + 1, ledger.TotalBytes);
    }

    [Fact]
    public void An_unfinished_clip_is_stale_only_after_the_part_ttl_without_a_piece()
    {
        var time = new FakeTimeProvider();
        using var ledger = Ledger(time);
        var id = Guid.CreateVersion7();
        Assert.Null(ledger.TryGrow("s1", "a", id, 100));

        time.Advance(TimeSpan.FromMinutes(59));
        var early = ledger.StaleParts();
        ledger.PartIs("s1", "a", id, 200);
        time.Advance(TimeSpan.FromMinutes(59));
        var afterPiece = ledger.StaleParts();
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(early);
        Assert.Empty(afterPiece);
        Assert.Equal(id, Assert.Single(ledger.StaleParts()).AlertId);
        Assert.True(ledger.IsStale(id));
    }

    [Fact]
    public void Locks_per_alert_are_a_fixed_set_however_many_alert_ids_come()
    {
        using var ledger = Ledger(new FakeTimeProvider());

        var locks = Enumerable.Range(0, 100_000).Select(_ => ledger.LockFor(Guid.NewGuid())).Distinct().Count();

        Assert.InRange(locks, 1, 64);
    }
}
