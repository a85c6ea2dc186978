namespace EdgeGateway.Contracts;

/// <summary>What is wrong with an alert payload, for callers that count or branch; the text is for people.</summary>
public enum AlertDecodeError
{
    None,

    /// <summary>Empty payload.</summary>
    Empty,

    /// <summary>The payload, a text field or the attribute map is larger than <see cref="AlertLimits"/> allow.</summary>
    Oversized,

    /// <summary>Not CBOR or JSON of the alert's shape.</summary>
    Malformed,

    /// <summary>A schema version newer than this build reads.</summary>
    FutureVersion,

    /// <summary>A required field is missing or out of range.</summary>
    InvalidField,

    /// <summary>A text field holds a control character (U+0000 to U+001F).</summary>
    ControlCharacter,
}

/// <summary>The outcome of decoding an alert payload: either an alert, or an error kind and one line saying what is wrong.</summary>
public readonly record struct AlertDecodeResult(Alert? Alert, string? Error, AlertDecodeError Kind = AlertDecodeError.None)
{
    public bool Success => Alert is not null;

    public static AlertDecodeResult Ok(Alert alert) => new(alert, null);

    public static AlertDecodeResult Fail(AlertDecodeError kind, string error) => new(null, error, kind);
}

/// <summary>A text field broke a limit; thrown inside the readers and turned into a failed result.</summary>
internal sealed class AlertFieldException(AlertDecodeError kind, string message) : FormatException(message)
{
    public AlertDecodeError Kind { get; } = kind;
}
