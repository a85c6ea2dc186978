using System.Device.I2c;

namespace EdgeGateway.Host.Tests.Supervision;

/// <summary>
/// A sensor on the elevator board's I2C bus that goes wrong on demand: it either hangs in the
/// middle of a read (a wedged bus: clock stretched for ever) or fails with an error the sampler
/// does not expect. Until then every transfer goes to the simulated chip behind it.
/// </summary>
internal sealed class FaultyI2cDevice(I2cDevice chip) : I2cDevice
{
    private readonly ManualResetEventSlim _released = new(initialState: true);
    private volatile Exception? _failure;

    public override I2cConnectionSettings ConnectionSettings => chip.ConnectionSettings;

    /// <summary>From now on every transfer blocks until <see cref="Release"/>.</summary>
    public void Hang() => _released.Reset();

    public void Release() => _released.Set();

    /// <summary>From now on every transfer throws <paramref name="failure"/>.</summary>
    public void Fail(Exception failure) => _failure = failure;

    public override byte ReadByte()
    {
        Transfer();
        return chip.ReadByte();
    }

    public override void Read(Span<byte> buffer)
    {
        Transfer();
        chip.Read(buffer);
    }

    public override void WriteByte(byte value)
    {
        Transfer();
        chip.WriteByte(value);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Transfer();
        chip.Write(buffer);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Transfer();
        chip.WriteRead(writeBuffer, readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _released.Set();
            _released.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Transfer()
    {
        _released.Wait();
        if (_failure is { } failure)
        {
            throw failure;
        }
    }
}
