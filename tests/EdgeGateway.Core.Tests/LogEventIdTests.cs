using EdgeGateway.Testing;
using EdgeGateway.Core;

namespace EdgeGateway.Core.Tests;

/// <summary>Every [LoggerMessage] of the assembly takes its id from CoreLogEvents, and no two share one.</summary>
[Trait("Category", "Unit")]
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_event_id_comes_from_the_registry_and_is_unique()
    {
        var problems = LogEventIds.Problems(typeof(CoreLogEvents).Assembly, typeof(CoreLogEvents));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
