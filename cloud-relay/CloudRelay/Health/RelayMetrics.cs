using System.Diagnostics.Metrics;
using CloudRelay.Ingest;

namespace CloudRelay.Health;

/// <summary>
/// The relay's own instruments, read from <see cref="RelayCounters"/> (their one source) when a scrape observes them.
/// OpenTelemetry naming: dotted names, the unit on the instrument. The connected devices and the forward queue live in
/// the store; a scrape reads them first (<see cref="SetStoreReadings"/>), so the gauges show that read.
/// </summary>
public sealed class RelayMetrics : IDisposable
{
    public const string MeterName = "CloudRelay";
    private long _connectedDevices;
    private long _forwardQueue;

    public RelayMetrics(RelayCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        Meter = new Meter(MeterName);
        Meter.CreateObservableCounter("cloudrelay.ingest.received", () => counters.Received, "{message}", "Alerts devices published.");
        Meter.CreateObservableCounter("cloudrelay.ingest.stored", () => counters.Stored, "{alert}", "Alerts stored (duplicates not counted).");
        Meter.CreateObservableCounter("cloudrelay.ingest.duplicates", () => counters.Duplicates, "{alert}", "Alerts received again and dropped by id.");
        Meter.CreateObservableCounter("cloudrelay.ingest.rejected",
            () => counters.RejectsByReason.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("reason", r.Key))),
            "{message}", "Payloads refused, by reason.");
        Meter.CreateObservableCounter("cloudrelay.ingest.store_failures", () => counters.StoreFailures, "{message}", "Messages not acknowledged because the store failed.");
        Meter.CreateObservableCounter("cloudrelay.front_door.limited",
            () => counters.Limits.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("limit", r.Key))),
            "{event}", "Clients refused or slowed by a front-door limit, by limit.");
        Meter.CreateObservableCounter("cloudrelay.store.commits", () => counters.Commits, "{commit}", "Group commits of alerts.");
        Meter.CreateObservableCounter("cloudrelay.store.commit.time", () => counters.CommitSeconds, "s", "Time spent in group commits.");
        Meter.CreateObservableCounter("cloudrelay.forward.sent", () => counters.Forwarded, "{alert}", "Alerts the platform accepted.");
        Meter.CreateObservableCounter("cloudrelay.forward.failures", () => counters.ForwardFailures, "{attempt}", "Forward attempts that failed.");
        Meter.CreateObservableCounter("cloudrelay.forward.dead_letters", () => counters.ForwardDeadLetters, "{alert}", "Alerts the platform refused for good.");
        Meter.CreateObservableGauge("cloudrelay.forward.queue", () => Interlocked.Read(ref _forwardQueue), "{alert}", "Alerts waiting to be forwarded.");
        Meter.CreateObservableGauge("cloudrelay.devices.connected", () => Interlocked.Read(ref _connectedDevices), "{device}", "Devices connected now.");
    }

    public Meter Meter { get; }

    internal void SetStoreReadings(long connectedDevices, long forwardQueue)
    {
        Interlocked.Exchange(ref _connectedDevices, connectedDevices);
        Interlocked.Exchange(ref _forwardQueue, forwardQueue);
    }

    /// <summary>Observes every instrument of this relay's meter once (not another relay's in the same process).</summary>
    internal IReadOnlyList<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Observe()
    {
        var samples = new List<(Instrument, double, KeyValuePair<string, object?>[])>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => samples.Add((instrument, value, tags.ToArray())));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => samples.Add((instrument, value, tags.ToArray())));
        listener.Start();
        listener.RecordObservableInstruments();
        return samples;
    }

    public void Dispose() => Meter.Dispose();
}
