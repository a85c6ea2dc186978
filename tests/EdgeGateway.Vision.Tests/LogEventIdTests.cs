using EdgeGateway.Testing;
using EdgeGateway.Vision;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Tests;

/// <summary>Every [LoggerMessage] of the assembly takes its id from VisionLogEvents, and no two share one.</summary>
[Trait("Category", "Unit")]
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_event_id_comes_from_the_registry_and_is_unique()
    {
        var problems = LogEventIds.Problems(typeof(VisionLogEvents).Assembly, typeof(VisionLogEvents));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
