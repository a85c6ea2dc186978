namespace CloudRelay.Database;

/// <summary>
/// The store's lease (<see cref="IRelayStore.TryTakeForwarderLeaseAsync"/>), shared inside this process by the webhook
/// forwarder and the case tracker: the lease is one session-level lock per database, so the two must hold the same one,
/// not race for it. The first taker takes it from the store; later takers share it; it is released when the last
/// holder lets go, or dropped for everyone once it is found lost.
/// </summary>
public sealed class RelayLease(IRelayStore store) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IForwarderLease? _held;
    private int _holders;
    private int _generation;

    /// <summary>A share of the lease, or null while another instance holds it.</summary>
    public async Task<IForwarderLease?> TryTakeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_held is not null && !await _held.IsHeldAsync(cancellationToken))
            {
                await DropAsync();
            }

            _held ??= await store.TryTakeForwarderLeaseAsync(cancellationToken);
            if (_held is null)
            {
                return null;
            }

            _holders++;
            return new Share(this, _generation);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropAsync();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private async Task DropAsync()
    {
        if (_held is not null)
        {
            await _held.DisposeAsync();
        }

        _held = null;
        _holders = 0;
        _generation++;
    }

    /// <summary>One holder's share; checks go through the gate, since the lease's connection takes one command at a time.</summary>
    private sealed class Share(RelayLease owner, int generation) : IForwarderLease
    {
        private bool _released;

        public async Task<bool> IsHeldAsync(CancellationToken cancellationToken)
        {
            await owner._gate.WaitAsync(cancellationToken);
            try
            {
                if (owner._generation != generation || owner._held is null)
                {
                    return false;
                }

                if (!await owner._held.IsHeldAsync(cancellationToken))
                {
                    await owner.DropAsync();
                    return false;
                }

                return true;
            }
            finally
            {
                owner._gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await owner._gate.WaitAsync();
            try
            {
                if (_released || owner._generation != generation)
                {
                    return;
                }

                _released = true;
                if (--owner._holders == 0)
                {
                    await owner.DropAsync();
                }
            }
            finally
            {
                owner._gate.Release();
            }
        }
    }
}
