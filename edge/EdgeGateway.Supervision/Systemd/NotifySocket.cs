using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Supervision.Systemd;

/// <summary>
/// Sends sd_notify(3) datagrams (<c>WATCHDOG=1</c>, <c>STATUS=...</c>) to the service manager's
/// unix datagram socket. A path starting with <c>@</c> names a socket in the abstract namespace.
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endpoint;

    public NotifySocket(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
    }

    public string Path { get; }

    /// <summary>Sends one datagram of newline-separated assignments. Throws <see cref="SocketException"/> when nobody listens.</summary>
    public void Send(string assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        _socket.SendTo(Encoding.UTF8.GetBytes(assignments), SocketFlags.None, _endpoint);
    }

    public void Dispose() => _socket.Dispose();
}
