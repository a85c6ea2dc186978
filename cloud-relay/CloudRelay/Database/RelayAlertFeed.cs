using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CloudRelay.Database;

namespace CloudRelay.Database;

/// <summary>
/// Alerts as the relay stores them, for whoever hosts it in-process (tests wait on them).
/// Only newly stored alerts appear here; duplicates do not.
/// </summary>
public sealed class RelayAlertFeed : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<Channel<StoredAlert>> _readers = [];
    private readonly SemaphoreSlim _forwardSignal = new(0, 1);

    /// <summary>Raised on the writer's thread after each alert is committed; keep handlers short.</summary>
    public event EventHandler<StoredAlert>? AlertStored;

    /// <summary>Every alert stored from now on, until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<StoredAlert> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<StoredAlert>(new BoundedChannelOptions(10_000)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _readers.Add(channel);
        }

        try
        {
            await foreach (var alert in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return alert;
            }
        }
        finally
        {
            lock (_gate)
            {
                _readers.Remove(channel);
            }
        }
    }

    internal void Publish(StoredAlert alert)
    {
        AlertStored?.Invoke(this, alert);
        lock (_gate)
        {
            foreach (var reader in _readers)
            {
                reader.Writer.TryWrite(alert);
            }
        }
    }

    internal void SignalForward()
    {
        if (_forwardSignal.CurrentCount == 0)
        {
            try
            {
                _forwardSignal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public void Dispose() => _forwardSignal.Dispose();

    internal Task WaitForForwardAsync(CancellationToken cancellationToken) =>
        _forwardSignal.WaitAsync(cancellationToken);
}
