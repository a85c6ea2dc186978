namespace EdgeGateway.Contracts;

/// <summary>Checks the decoded fields of an alert, shared by the CBOR and JSON readers.</summary>
internal static class AlertFields
{
    /// <summary>Every text field: at most <see cref="AlertLimits.MaxStringLength"/> characters and no control characters.</summary>
    public static string CheckText(string text)
    {
        if (text.Length > AlertLimits.MaxStringLength)
        {
            throw new AlertFieldException(AlertDecodeError.Oversized,
                $"a text field is {text.Length} characters; expected at most {AlertLimits.MaxStringLength}");
        }

        var control = text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        return control < 0
            ? text
            : throw new AlertFieldException(AlertDecodeError.ControlCharacter,
                $"a text field holds control character U+{(int)text[control]:X4} at position {control}; expected printable text");
    }

    public static AlertDecodeResult Build(
        int? version, Guid? id, string? device, string? site, long? sequence, string? kind,
        int? severity, int? state, long? timestamp, Dictionary<string, string>? attributes, string? snapshot, string? clip = null)
    {
        if (version is null)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, "alert has no schema version; expected v=1");
        }

        if (version < 1)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert schema version {version} is invalid; expected 1 or 2");
        }

        if (id is null || id == Guid.Empty)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, "alert has no id; expected a 16-byte UUID");
        }

        if (string.IsNullOrWhiteSpace(device))
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, "alert has no device id");
        }

        if (string.IsNullOrWhiteSpace(site))
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, "alert has no site id");
        }

        if (sequence is null or < 0)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert sequence '{sequence}' is invalid; expected a number >= 0");
        }

        if (string.IsNullOrWhiteSpace(kind))
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, "alert has no kind; expected a code such as no_mask");
        }

        if (severity is null || !Enum.IsDefined((AlertSeverity)severity.Value))
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert severity '{severity}' is invalid; expected 0..3");
        }

        if (state is null || !Enum.IsDefined((AlertState)state.Value))
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert state '{state}' is invalid; expected raised (0) or cleared (1)");
        }

        if (timestamp is null or <= 0)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert timestamp '{timestamp}' is invalid; expected unix milliseconds");
        }

        return AlertDecodeResult.Ok(new Alert
        {
            Id = id.Value,
            DeviceId = device,
            SiteId = site,
            Sequence = sequence.Value,
            Kind = kind,
            Severity = (AlertSeverity)severity.Value,
            State = (AlertState)state.Value,
            TimestampMs = timestamp.Value,
            Attributes = attributes ?? Alert.EmptyAttributes,
            SnapshotRef = snapshot,
            ClipRef = clip,
        });
    }
}
