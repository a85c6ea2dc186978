namespace EdgeGateway.Elevator.Hardware;

/// <summary>A board profile that cannot be used; one line per problem, each naming the file and the key.</summary>
public sealed class BoardProfileException : Exception
{
    public BoardProfileException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public BoardProfileException()
        : this([])
    {
    }

    public BoardProfileException(string message)
        : this([message])
    {
    }

    public BoardProfileException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; } = [];
}
