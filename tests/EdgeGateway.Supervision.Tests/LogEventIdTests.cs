using EdgeGateway.Supervision;
using EdgeGateway.Testing;

namespace EdgeGateway.Supervision.Tests;

/// <summary>Every [LoggerMessage] of the assembly takes its id from SupervisionEventIds, and no two share one.</summary>
[Trait("Category", "Unit")]
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_event_id_comes_from_the_registry_and_is_unique()
    {
        var problems = LogEventIds.Problems(typeof(SupervisionEventIds).Assembly, typeof(SupervisionEventIds));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
