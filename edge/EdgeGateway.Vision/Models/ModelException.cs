namespace EdgeGateway.Vision.Models;

/// <summary>A model that cannot be fetched, verified or loaded. The message is one line naming the model or file.</summary>
public sealed class ModelException : Exception
{
    public ModelException()
    {
    }

    public ModelException(string message)
        : base(message)
    {
    }

    public ModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
