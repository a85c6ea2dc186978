using EdgeGateway.Contracts;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Publishing;

namespace EdgeGateway.Host.Fleet;

/// <summary>A critical alarm that is raised now: its kind and the camera that raised it (null: the elevator monitor).</summary>
internal sealed record RaisedAlarm(string Kind, string? Camera)
{
    public string Part => Camera is null ? "the elevator monitor" : $"camera '{Camera}'";
}

/// <summary>
/// The critical alarms raised and not yet cleared, as the box published them (<see cref="AlertPublisher.Published"/>):
/// a configuration that would restart the part holding one waits for it.
/// </summary>
internal sealed class CriticalAlarms : IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<RaisedAlarm> _raised = [];
    private readonly AlertPublisher? _publisher;

    public CriticalAlarms(AlertPublisher? publisher)
    {
        _publisher = publisher;
        if (publisher is not null)
        {
            publisher.Published += OnPublished;
        }
    }

    /// <summary>Called after a critical alarm is raised or cleared.</summary>
    public Action? Changed { get; set; }

    public void Observe(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Severity != AlertSeverity.Critical)
        {
            return;
        }

        var alarm = new RaisedAlarm(alert.Kind, alert.Attributes.TryGetValue("camera", out var camera) ? camera : null);
        lock (_gate)
        {
            if (alert.State == AlertState.Raised)
            {
                _raised.Add(alarm);
            }
            else
            {
                _raised.Remove(alarm);
            }
        }

        Changed?.Invoke();
    }

    /// <summary>A raised critical alarm of a part that <paramref name="parts"/> restarts, or null.</summary>
    public RaisedAlarm? Blocking(RestartedParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        lock (_gate)
        {
            return _raised.Where(a => parts.Restarts(a.Camera)).OrderBy(a => a.Kind, StringComparer.Ordinal).FirstOrDefault();
        }
    }

    public void Dispose()
    {
        if (_publisher is not null)
        {
            _publisher.Published -= OnPublished;
        }
    }

    private void OnPublished(PublishedAlert published) => Observe(published.Alert);
}
