using System.Device.I2c;

namespace EdgeGateway.Simulation.Chips;

/// <summary>
/// An I2C chip as a 256-byte register file, the way real sensors behave on the bus: the first
/// byte of a write sets the register pointer, further bytes are written from there with
/// auto-increment, and reads return bytes from the pointer onward.
/// </summary>
public abstract class RegisterFileI2cDevice : I2cDevice
{
    private readonly byte[] _registers = new byte[256];
    private byte _pointer;

    protected RegisterFileI2cDevice(I2cConnectionSettings settings)
    {
        ConnectionSettings = settings;
    }

    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Held for each bus transaction and each sensor update, so a reader never sees half a new sample.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>Count of bus transactions, for tests that check the binding really talked to the chip.</summary>
    public long Transactions { get; private set; }

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public override void Read(Span<byte> buffer)
    {
        lock (Gate)
        {
            Transactions++;
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = OnRead(_pointer);
                _pointer++;
            }
        }
    }

    public override void WriteByte(byte value)
    {
        Span<byte> one = [value];
        Write(one);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (Gate)
        {
            Transactions++;
            if (buffer.IsEmpty)
            {
                return;
            }

            _pointer = buffer[0];
            for (var i = 1; i < buffer.Length; i++)
            {
                OnWrite(_pointer, buffer[i]);
                _pointer++;
            }
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <summary>Reads a register as the bus sees it; chips override for read-only or computed registers.</summary>
    protected virtual byte OnRead(byte address) => _registers[address];

    /// <summary>Writes a register from the bus; chips override to react (reset, mode changes) or ignore read-only ones.</summary>
    protected virtual void OnWrite(byte address, byte value) => _registers[address] = value;

    protected byte Get(byte register) => _registers[register];

    protected void Set(byte register, byte value) => _registers[register] = value;

    protected void Clear() => Array.Clear(_registers);
}
