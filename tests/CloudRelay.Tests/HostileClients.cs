using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using CloudRelay.Devices;
using MQTTnet;
using MQTTnet.Formatter;

namespace CloudRelay.Tests;

/// <summary>Real hostile clients for the relay: mosquitto's tools, raw sockets and MQTTnet with odd options.</summary>
internal static class HostileClients
{
    /// <summary>Runs mosquitto_pub (or _sub) to the end; returns its exit code and what it printed.</summary>
    public static async Task<(int Exit, string Output)> MosquittoAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>An MQTT 5 client with full control of client id and session flags; returns it with the CONNACK's code.</summary>
    public static async Task<(IMqttClient Client, MqttClientConnectResultCode Code)> ConnectAsync(
        int port, DeviceCredentials credentials, string clientId, bool cleanStart = true, uint sessionExpiry = 0)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(sessionExpiry)
            .WithCredentials(credentials.Username, credentials.Password)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        try
        {
            var result = await client.ConnectAsync(options);
            return (client, result.ResultCode);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Closed without a CONNACK.
            return (client, MqttClientConnectResultCode.UnspecifiedError);
        }
    }

    /// <summary>
    /// A raw MQTT 3.1.1 CONNECT packet. <paramref name="declaredRemaining"/> overrides the remaining length in the
    /// fixed header, so a client can claim a packet far larger than what it sends.
    /// </summary>
    public static byte[] ConnectPacket(string clientId, string username, string password, int? declaredRemaining = null)
    {
        var body = new List<byte>();
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }

        Text("MQTT");
        body.Add(4); // protocol level 3.1.1
        body.Add(0b1100_0010); // username, password, clean session
        body.Add(0);
        body.Add(60); // keep alive
        Text(clientId);
        Text(username);
        Text(password);
        var packet = new List<byte> { 0x10 };
        var remaining = declaredRemaining ?? body.Count;
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            packet.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);

        packet.AddRange(body);
        return [.. packet];
    }

    /// <summary>Waits until the peer closes the socket (a read returns 0 or fails); false if it is still open at the deadline.</summary>
    public static async Task<bool> ClosedByPeerWithinAsync(Socket socket, TimeSpan deadline)
    {
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public static async Task<Socket> OpenAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }
}

/// <summary>mosquitto_sub running beside the test: its output so far can be waited on (e.g. for its SUBACK) before it ends.</summary>
internal sealed class MosquittoSub : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    public MosquittoSub(params string[] arguments)
    {
        // Line-buffered, so what it prints arrives as it happens rather than when it exits.
        var start = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-oL");
        start.ArgumentList.Add("mosquitto_sub");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output so far if it does not in time.</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (deadline.Elapsed > timeout || (_process.HasExited && !Output.Contains(text, StringComparison.Ordinal)))
            {
                throw new TimeoutException($"mosquitto_sub did not print '{text}' within {timeout.TotalSeconds} s; it printed: {Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the process to end by itself (its -W timeout) and returns all it printed.</summary>
    public async Task<string> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return Output;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }
}

/// <summary>
/// Tests that measure the relay's memory with <see cref="MemoryProbe"/>. The probe counts the whole test process, so
/// these run with no other test beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasured
{
    public const string Name = "memory measured";
}

/// <summary>
/// The relay's memory around an attack: bytes allocated by the whole process (catches a large transient buffer
/// that a GC would hide) and the GC heap after a full collection (catches what the attack left behind).
/// </summary>
internal sealed class MemoryProbe
{
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: true);
    private readonly long _heap = Heap();

    public long AllocatedMb => (GC.GetTotalAllocatedBytes(precise: true) - _allocated) / (1024 * 1024);

    public long HeapGrowthMb => (Heap() - _heap) / (1024 * 1024);

    public void AssertBounded(long allocatedMb = 64, long heapGrowthMb = 32)
    {
        Assert.True(AllocatedMb < allocatedMb, $"the relay allocated {AllocatedMb} MB during the attack; expected under {allocatedMb} MB");
        Assert.True(HeapGrowthMb < heapGrowthMb, $"the relay's heap grew {HeapGrowthMb} MB; expected under {heapGrowthMb} MB");
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
