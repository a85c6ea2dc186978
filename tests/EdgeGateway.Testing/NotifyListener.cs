using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Testing;

/// <summary>
/// The service manager's end of the sd_notify protocol: a unix datagram socket, as systemd opens
/// for a <c>Type=notify</c> unit, that records every notification with the time it arrived.
/// </summary>
public sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<NotifyMessage> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _directory;
    private readonly Task _receiving;

    /// <param name="abstractName">Listen in the abstract namespace (<c>@name</c>) instead of on a file.</param>
    public NotifyListener(bool abstractName = false)
    {
        _directory = Directory.CreateTempSubdirectory("notify-").FullName;
        if (abstractName)
        {
            var name = "edgegw-test-" + Guid.NewGuid().ToString("N");
            SocketPath = "@" + name;
            _socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        }
        else
        {
            SocketPath = Path.Combine(_directory, "notify.sock");
            _socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
        }

        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>The value for <c>NOTIFY_SOCKET</c>.</summary>
    public string SocketPath { get; }

    public IReadOnlyList<NotifyMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Every notification that carried <paramref name="assignment"/> (e.g. <c>WATCHDOG=1</c>).</summary>
    public IReadOnlyList<NotifyMessage> With(string assignment) => [.. Messages.Where(m => m.Has(assignment))];

    /// <summary>Waits until <paramref name="condition"/> holds for the messages so far; throws with all of them on timeout.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<NotifyMessage>, bool> condition, TimeSpan timeout, string what, Func<string>? context = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = _clock.Elapsed + timeout;
        while (!condition(Messages))
        {
            if (_clock.Elapsed > deadline)
            {
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s; got: {Describe()}{(context is null ? "" : "\n" + context())}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Time since the listener opened, on the clock the messages are stamped with.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public string Describe() => string.Join(" | ", Messages.Select(m => $"{m.At.TotalSeconds:0.00}s {m.Text.Replace('\n', ' ')}"));

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _receiving.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var message = new NotifyMessage(_clock.Elapsed, Encoding.UTF8.GetString(buffer, 0, length));
            lock (_messages)
            {
                _messages.Add(message);
            }
        }
    }
}

/// <summary>One datagram: newline-separated assignments such as <c>READY=1</c> or <c>STATUS=...</c>.</summary>
public sealed record NotifyMessage(TimeSpan At, string Text)
{
    public IReadOnlyList<string> Assignments => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public bool Has(string assignment) => Assignments.Contains(assignment, StringComparer.Ordinal);

    /// <summary>The value of <c>NAME=</c>, or null.</summary>
    public string? Value(string name) =>
        Assignments.FirstOrDefault(a => a.StartsWith(name + "=", StringComparison.Ordinal)) is { } found ? found[(name.Length + 1)..] : null;
}
