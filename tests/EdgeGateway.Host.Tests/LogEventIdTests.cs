using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests;

/// <summary>Every [LoggerMessage] of the assembly takes its id from HostLogEvents, and no two share one.</summary>
[Trait("Category", "Unit")]
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_event_id_comes_from_the_registry_and_is_unique()
    {
        var problems = LogEventIds.Problems(typeof(HostLogEvents).Assembly, typeof(HostLogEvents));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}

/// <summary>The box is one process: its assemblies' registries never hand out the same id twice.</summary>
[Trait("Category", "Unit")]
public sealed class GatewayLogEventIdTests
{
    [Fact]
    public void No_two_components_of_the_box_share_a_log_event_id()
    {
        var assemblies = new[]
        {
            typeof(EdgeGateway.Core.CoreLogEvents).Assembly,
            typeof(EdgeGateway.Uplink.UplinkLogEvents).Assembly,
            typeof(EdgeGateway.Vision.Logging.VisionLogEvents).Assembly,
            typeof(EdgeGateway.Elevator.ElevatorLogEvents).Assembly,
            typeof(HostLogEvents).Assembly,
        };

        var shared = assemblies
            .SelectMany(a => LogEventIds.Declared(a).Select(d => (Assembly: a.GetName().Name, d.Method, d.Id)))
            .GroupBy(d => d.Id)
            .Where(g => g.Count() > 1)
            .Select(g => $"id {g.Key}: {string.Join(", ", g.Select(d => d.Method))}")
            .ToList();

        Assert.True(shared.Count == 0, string.Join(Environment.NewLine, shared));
    }
}
