using CloudRelay;
using EdgeGateway.Core;
using EdgeGateway.Elevator;
using EdgeGateway.Supervision;
using EdgeGateway.Testing;
using EdgeGateway.Uplink;
using EdgeGateway.Vision;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>Every assembly logs inside its declared ranges, and no two assemblies of one program share a range.</summary>
[Trait("Category", "Unit")]
public sealed class LogEventRangeTests
{
    public static TheoryData<Type> Registries =>
    [
        typeof(CoreLogEvents), typeof(UplinkLogEvents), typeof(VisionLogEvents), typeof(ElevatorLogEvents),
        typeof(HostLogEvents), typeof(SupervisionEventIds), typeof(RelayLogEvents),
    ];

    [Theory]
    [MemberData(nameof(Registries))]
    public void Every_id_an_assembly_logs_lies_in_its_ranges(Type registry)
    {
        var assembly = registry.Assembly;
        var name = assembly.GetName().Name!;
        var ranges = (LogEventRanges.Box.TryGetValue(name, out var box) ? box : [])
            .Concat(LogEventRanges.Relay.TryGetValue(name, out var relay) ? relay : []).ToList();
        Assert.NotEmpty(ranges);

        var outside = LogEventIds.Declared(assembly)
            .Where(d => d.Id is not { } id || !ranges.Any(r => id >= r.First && id <= r.Last))
            .Select(d => $"{d.Method} ({d.Id})")
            .ToList();

        Assert.True(outside.Count == 0, $"{name} logs outside {string.Join(", ", ranges)}: {string.Join("; ", outside)}");
    }

    [Fact]
    public void No_two_assemblies_of_one_program_share_an_id_range()
    {
        foreach (var program in new[] { LogEventRanges.Box, LogEventRanges.Relay })
        {
            var all = program.SelectMany(a => a.Value.Select(r => (Assembly: a.Key, r.First, r.Last))).OrderBy(r => r.First).ToList();
            for (var i = 1; i < all.Count; i++)
            {
                Assert.True(all[i].First > all[i - 1].Last, $"{all[i - 1].Assembly} {all[i - 1].First}-{all[i - 1].Last} overlaps {all[i].Assembly} {all[i].First}-{all[i].Last}");
            }
        }
    }
}
