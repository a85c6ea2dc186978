namespace CloudRelay.Ingest;

/// <summary>
/// Reads MQTT's framing as the bytes arrive and fails the read that completes a fixed header declaring more than
/// <c>maxPacketBytes</c>, so an oversized packet is refused from its first few bytes, before anything allocates or
/// buffers its body. Also notes when the first packet (the CONNECT) is complete.
/// </summary>
internal sealed class MqttFrameLimitStream(Stream inner, int maxPacketBytes) : Stream
{
    private enum State
    {
        TypeByte,
        Length,
        Body,
    }

    private State _state = State.TypeByte;
    private long _remaining;
    private int _lengthBytes;
    private int _multiplier = 1;

    /// <summary>Whole packets read so far; zero means the client never finished its CONNECT.</summary>
    public long Packets { get; private set; }

    /// <summary>The declared size of the packet that was refused, or null.</summary>
    public long? RefusedPacketBytes { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Track(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Track(buffer.AsSpan(offset, read));
        return read;
    }

    private void Track(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.TypeByte:
                    i++;
                    _state = State.Length;
                    _remaining = 0;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _remaining += (b & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if (_remaining + 1 + _lengthBytes > maxPacketBytes)
                    {
                        RefusedPacketBytes = _remaining + 1 + _lengthBytes;
                        throw new IOException($"MQTT packet of at least {RefusedPacketBytes} bytes refused; Relay:Limits:MaxPacketBytes is {maxPacketBytes}");
                    }

                    if ((b & 0x80) == 0)
                    {
                        EndHeader();
                    }
                    else if (_lengthBytes == 4)
                    {
                        throw new IOException("MQTT remaining length is longer than 4 bytes; malformed packet");
                    }

                    break;
                default:
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        Packets++;
                        _state = State.TypeByte;
                    }

                    break;
            }
        }
    }

    private void EndHeader()
    {
        if (_remaining == 0)
        {
            Packets++;
            _state = State.TypeByte;
        }
        else
        {
            _state = State.Body;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
