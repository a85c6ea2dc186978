using CloudRelay.Hosting;
using CloudRelay.Ingest;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// Failed console logins counted per operator name and per client address (<c>Relay:Console:LoginFailuresPerName</c>,
/// <c>LoginFailuresPerAddress</c> within <c>LoginFailureWindow</c>), with the same fixed-window rule as failed MQTT
/// connects. A name or address over its limit is refused, right password or not, until its window ends. Names that do
/// not exist are counted like real ones, so the limit says nothing about which names exist.
/// </summary>
public sealed class LoginThrottle
{
    private readonly FailedConnectLimiter _byName;
    private readonly FailedConnectLimiter _byAddress;

    public LoginThrottle(IOptions<RelayOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var console = options.Value.Console;
        _byName = new FailedConnectLimiter(console.LoginFailuresPerName, console.LoginFailureWindow, time);
        _byAddress = new FailedConnectLimiter(console.LoginFailuresPerAddress, console.LoginFailureWindow, time);
    }

    public bool IsBlocked(string name, string address) => _byName.IsBlocked(Key(name)) || _byAddress.IsBlocked(address);

    public void RecordFailure(string name, string address)
    {
        _byName.RecordFailure(Key(name));
        _byAddress.RecordFailure(address);
    }

    /// <summary>Names are counted as typed, case-folded, so "Alice" and "alice" share a budget.</summary>
    private static string Key(string name) => (name.Length > 64 ? name[..64] : name).Trim().ToUpperInvariant();
}
