using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// A bit-level I²C master for tests, on its own open-drain drive lines (<see cref="SclOut"/>,
/// <see cref="SdaOut"/>: 0 pulls low). Each half period is <see cref="Half"/> ticks; after releasing SCL it
/// waits until SCL is seen high (a stretching slave, a slower master) and samples SDA then; a device pulling
/// SCL low during its high period ends that period (clock synchronisation, UM10275 Fig 33). A script is a
/// sequence of steps run from one scheduler event; it never checks whether the bus is free.
/// </summary>
internal sealed class I2cTestMaster
{
    private readonly Scheduler _s;
    private readonly Event _event;
    private readonly IrqLine _scl, _sda;
    private IEnumerator<long>? _run;

    public I2cTestMaster(Scheduler s, IrqLine scl, IrqLine sda, long half)
    {
        _s = s;
        _scl = scl;
        _sda = sda;
        Half = half;
        SclOut.Set(true);
        SdaOut.Set(true);
        _event = s.CreateEvent("testmaster", EventPriority.Peripheral, _ => Next());
    }

    public IrqLine SclOut { get; } = new("tm.SCL");
    public IrqLine SdaOut { get; } = new("tm.SDA");
    public long Half { get; }
    public bool Finished { get; private set; } = true;
    /// <summary>The acknowledge seen after each byte written (true = ACK).</summary>
    public List<bool> Acks { get; } = new();
    /// <summary>Every byte read.</summary>
    public List<uint> Read { get; } = new();

    /// <summary>Starts <paramref name="script"/> <paramref name="delay"/> ticks from now.</summary>
    public void Run(IEnumerable<long> script, long delay = 0)
    {
        _run = script.GetEnumerator();
        Finished = false;
        _s.Schedule(_event, _s.EventTime + delay);
    }

    private void Next()
    {
        if (_run!.MoveNext()) _s.Schedule(_event, _s.EventTime + Math.Max(1, _run.Current));
        else Finished = true;
    }

    public IEnumerable<long> Start()
    {
        SdaOut.Set(true);
        SclOut.Set(true);
        while (!_scl.Level) yield return 1;
        yield return Half;
        SdaOut.Set(false);
        yield return Half;
        SclOut.Set(false);
        yield return Half;
    }

    public IEnumerable<long> Stop()
    {
        SdaOut.Set(false);
        yield return Half;
        SclOut.Set(true);
        while (!_scl.Level) yield return 1;
        yield return Half;
        SdaOut.Set(true);
        yield return Half;
    }

    private bool _bit;

    /// <summary>One clock with SDA released or driven to <paramref name="level"/>; the sample lands in <see cref="_bit"/>.</summary>
    private IEnumerable<long> Clock(bool level)
    {
        SdaOut.Set(level);
        yield return Half;
        SclOut.Set(true);
        while (!_scl.Level) yield return 1;
        _bit = _sda.Level;
        for (long k = 0; k < Half && _scl.Level; k++) yield return 1;
        SclOut.Set(false);
    }

    public IEnumerable<long> Write(uint b)
    {
        for (int i = 7; i >= 0; i--)
            foreach (long d in Clock(((b >> i) & 1) != 0)) yield return d;
        foreach (long d in Clock(true)) yield return d;
        Acks.Add(!_bit);
    }

    public IEnumerable<long> ReadByte(bool ack)
    {
        uint v = 0;
        for (int i = 0; i < 8; i++)
        {
            foreach (long d in Clock(true)) yield return d;
            v = (v << 1) | (_bit ? 1u : 0u);
        }
        Read.Add(v);
        foreach (long d in Clock(!ack)) yield return d;
        SdaOut.Set(true);
    }

    /// <summary><paramref name="bits"/> clocks of a byte, then a START in the middle of it (a bus error).</summary>
    public IEnumerable<long> StartInsideAByte(uint b, int bits)
    {
        for (int i = 7; i > 7 - bits; i--)
            foreach (long d in Clock(((b >> i) & 1) != 0)) yield return d;
        SdaOut.Set(true);
        yield return Half;
        SclOut.Set(true);
        while (!_scl.Level) yield return 1;
        yield return Half;
        SdaOut.Set(false);
        yield return Half;
        SclOut.Set(false);
        yield return Half;
    }

    /// <summary>The steps one after the other.</summary>
    public static IEnumerable<long> Seq(params IEnumerable<long>[] parts)
    {
        foreach (var p in parts)
            foreach (long d in p) yield return d;
    }
}
