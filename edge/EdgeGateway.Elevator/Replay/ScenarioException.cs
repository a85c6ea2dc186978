namespace EdgeGateway.Elevator.Replay;

/// <summary>A scenario line that cannot be replayed; the message names the line.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(int lineNumber, string problem)
        : base($"scenario line {lineNumber}: {problem}")
    {
        LineNumber = lineNumber;
    }

    public ScenarioException()
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int LineNumber { get; }
}
