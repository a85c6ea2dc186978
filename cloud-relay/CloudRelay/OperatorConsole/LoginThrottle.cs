using System.Net;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// What console logins may cost. Failed logins are counted per operator name and per client address
/// (<c>Relay:Console:LoginFailuresPerName</c>, <c>LoginFailuresPerAddress</c> within <c>LoginFailureWindow</c>; an IPv6
/// address by its /64), with the same fixed-window rule as failed MQTT connects. A name or address over its limit is
/// refused, right password or not, until its window ends; past <c>LoginFailuresGlobal</c> failures from all addresses,
/// each address gets one. Names that do not exist are counted like real ones, so the limit says nothing about which
/// names exist. At most <c>MaxConcurrentLoginChecks</c> password hashes run at once; a login past them is refused, not queued.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly FailedConnectLimiter _byName;
    private readonly FailedConnectLimiter _byAddress;
    private readonly SemaphoreSlim _checks;

    public LoginThrottle(IOptions<RelayOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var console = options.Value.Console;
        _byName = new FailedConnectLimiter(console.LoginFailuresPerName, console.LoginFailureWindow, time);
        _byAddress = new FailedConnectLimiter(console.LoginFailuresPerAddress, console.LoginFailureWindow, time, console.LoginFailuresGlobal);
        _checks = new SemaphoreSlim(console.MaxConcurrentLoginChecks, console.MaxConcurrentLoginChecks);
    }

    /// <summary>True while failures from all addresses are past <c>Relay:Console:LoginFailuresGlobal</c>.</summary>
    public bool GlobalLimitReached => _byAddress.GlobalLimitReached;

    public bool IsBlocked(string name, IPAddress? address) => _byName.IsBlocked(Key(name)) || _byAddress.IsBlocked(FailedConnectLimiter.AddressKey(address));

    public void RecordFailure(string name, IPAddress? address)
    {
        _byName.RecordFailure(Key(name));
        _byAddress.RecordFailure(FailedConnectLimiter.AddressKey(address));
    }

    /// <summary>A slot for one password check, or null when <c>MaxConcurrentLoginChecks</c> are running (never waits).</summary>
    public IDisposable? TryStartCheck() => _checks.Wait(0) ? new Slot(_checks) : null;

    public void Dispose() => _checks.Dispose();

    /// <summary>Names are counted as typed, case-folded, so "Alice" and "alice" share a budget.</summary>
    private static string Key(string name) => (name.Length > 64 ? name[..64] : name).Trim().ToUpperInvariant();

    private sealed class Slot(SemaphoreSlim checks) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                checks.Release();
            }
        }
    }
}
