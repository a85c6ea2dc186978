using System.Buffers.Binary;
using System.Numerics;

namespace EdgeGateway.Uplink.Segments;

/// <summary>CRC-32C (Castagnoli), hardware accelerated where the CPU has it (SSE4.2, ARMv8 CRC).</summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var value in data)
        {
            state = BitOperations.Crc32C(state, value);
        }

        return state;
    }

    public static uint Append(uint state, uint value) => BitOperations.Crc32C(state, value);

    public static uint Finish(uint state) => ~state;
}
