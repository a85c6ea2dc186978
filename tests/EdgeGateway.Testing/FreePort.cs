using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing;

/// <summary>Picks a loopback TCP port nobody is listening on.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>; throws naming the port and the last refusal on timeout.</summary>
    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException ex)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for a listener on 127.0.0.1:{port}; last attempt: {ex.SocketErrorCode}", ex);
                }

                await Task.Delay(50);
            }
        }
    }
}
