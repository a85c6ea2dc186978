namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The outbox could not keep a message because its disk is full (after evicting what the policy
/// allows). The message is one line meant for the person running the box.
/// </summary>
public sealed class OutboxStorageFullException : IOException
{
    public OutboxStorageFullException()
    {
    }

    public OutboxStorageFullException(string message)
        : base(message)
    {
    }

    public OutboxStorageFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
