using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// Checkpoint helpers shared by the device models: FIFOs are saved as their contents in order (not
/// the ring's raw slots), so a FIFO loaded back starts at slot 0 and saving it again gives the same bytes.
/// </summary>
internal static class DeviceState
{
    /// <summary>Host input waiting on a line can be long (a whole <c>--uart-input</c> file), but not absurd.</summary>
    public const int MaxQueued = 1 << 28;

    public static void WriteFifo(StateWriter w, byte[] ring, int head, int count)
    {
        w.Write(count);
        for (int i = 0; i < count; i++) w.Write(ring[(head + i) % ring.Length]);
    }

    /// <summary>Clears the ring and refills it from slot 0; returns the count (the head is 0).</summary>
    public static int ReadFifo(StateReader r, byte[] ring)
    {
        int n = r.ReadCount(ring.Length);
        Array.Clear(ring);
        for (int i = 0; i < n; i++) ring[i] = r.ReadByte();
        return n;
    }

    public static void WriteFifo(StateWriter w, ushort[] ring, int head, int count)
    {
        w.Write(count);
        for (int i = 0; i < count; i++) w.Write((int)ring[(head + i) % ring.Length]);
    }

    public static int ReadFifo(StateReader r, ushort[] ring)
    {
        int n = r.ReadCount(ring.Length);
        Array.Clear(ring);
        for (int i = 0; i < n; i++) ring[i] = ReadUShort(r);
        return n;
    }

    public static ushort ReadUShort(StateReader r)
    {
        int v = r.ReadInt();
        if ((uint)v > ushort.MaxValue) throw new StateException($"a 16-bit value holds {v}");
        return (ushort)v;
    }

    public static void WriteQueue(StateWriter w, Queue<byte> q)
    {
        w.Write(q.Count);
        foreach (byte b in q) w.Write(b);
    }

    public static void ReadQueue(StateReader r, Queue<byte> q)
    {
        int n = r.ReadCount(MaxQueued);
        q.Clear();
        for (int i = 0; i < n; i++) q.Enqueue(r.ReadByte());
    }

    public static void WriteQueue(StateWriter w, Queue<ushort> q)
    {
        w.Write(q.Count);
        foreach (ushort v in q) w.Write((int)v);
    }

    public static void ReadQueue(StateReader r, Queue<ushort> q)
    {
        int n = r.ReadCount(MaxQueued);
        q.Clear();
        for (int i = 0; i < n; i++) q.Enqueue(ReadUShort(r));
    }

    public static T ReadEnum<T>(StateReader r, int count) where T : struct, Enum
    {
        int v = r.ReadInt();
        if ((uint)v >= (uint)count) throw new StateException($"{typeof(T).Name} holds {v}, expected 0 to {count - 1}");
        return (T)(object)(byte)v;
    }

    /// <summary>A PL011 frame; its UARTCLK period is the device's own and is not saved.</summary>
    public static void WriteFrame(StateWriter w, in UartFrame f)
    {
        w.Write(f.StartTick);
        w.Write((int)f.Data);
        w.Write(f.WordLength);
        w.Write((int)f.Parity);
        w.Write(f.StopBits);
        w.Write(f.Divisor64);
        w.Write(f.PhaseQuarters);
    }

    public static UartFrame ReadFrame(StateReader r, long uartClkPeriodTicks)
    {
        long start = r.ReadLong();
        ushort data = ReadUShort(r);
        int wlen = r.ReadInt();
        var parity = ReadEnum<UartParity>(r, 5);
        int stop = r.ReadInt();
        int div = r.ReadInt();
        int phase = r.ReadInt();
        return new UartFrame(start, data, wlen, parity, stop, div, uartClkPeriodTicks, phase);
    }
}
