namespace EdgeGateway.Core.Alerts;

/// <summary>
/// Where rules and state machines hand their decisions. Returns once the alert is durable
/// and upstream delivery is guaranteed.
/// </summary>
public interface IAlertSink
{
    ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default);
}
