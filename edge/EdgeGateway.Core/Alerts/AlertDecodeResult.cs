namespace EdgeGateway.Core.Alerts;

/// <summary>The outcome of decoding an alert payload: either an alert, or one line saying what is wrong.</summary>
public readonly record struct AlertDecodeResult(Alert? Alert, string? Error)
{
    public bool Success => Alert is not null;

    public static AlertDecodeResult Ok(Alert alert) => new(alert, null);

    public static AlertDecodeResult Fail(string error) => new(null, error);
}
