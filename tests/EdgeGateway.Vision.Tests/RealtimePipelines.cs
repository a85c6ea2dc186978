namespace EdgeGateway.Vision.Tests;

/// <summary>
/// Tests that play clips and streams in real time run one after another: the rules count analysed
/// frames, and several real-time pipelines at once on a 2-core machine would starve each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealtimePipelines
{
    public const string Name = "Real-time pipelines";
}
