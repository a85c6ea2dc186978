namespace EdgeGateway.Contracts.Evidence;

/// <summary>
/// A snapshot JPEG travels as one MQTT message on <c>{prefix}/{site}/{device}/snapshot/{alert id}</c>, so both programs
/// hold it under the relay's default packet limit (64 KiB): the box renders no larger (<c>Vision:SnapshotMaxBytes</c> may
/// only lower it), the page keeps no larger, and the relay refuses a larger one.
/// </summary>
public static class SnapshotLimits
{
    public const int MaxBytes = 60 * 1024;

    /// <summary>The smallest budget a box may set: below it the renderer cannot keep a useful picture.</summary>
    public const int MinBytes = 4 * 1024;
}
