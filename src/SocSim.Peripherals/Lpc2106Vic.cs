using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The LPC2104/2105/2106's vectored interrupt controller (UM10275 chapter 5): an ARM PL190
/// (<see cref="Pl190"/>) as NXP integrates it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Its AHB slot is the 16 KiB from 0xFFFFC000 (UM10275 §2, Fig 3: "Each AHB peripheral is
/// allocated a 16 kB address space"; the VIC's registers at 0xFFFFF000). The PL190 decodes address
/// bits [11:2], so the register block repeats every 4 KiB of the slot (0xFFFFC030, 0xFFFFD030 and
/// 0xFFFFE030 are VICVectAddr too).</item>
/// <item>"All registers in the VIC are word registers. Byte and halfword reads and write are not
/// supported" (§5.3). Choice: the VIC ignores the transfer size, as an AHB slave with only word
/// registers does; a read returns the word (the core takes its byte lane), a write stores the whole
/// 32-bit data bus, on which the ARM7TDMI-S drives a byte store's byte on all four lanes and a
/// halfword store's halfword on both halves. The first such access also gets a warning naming the
/// address, so the firmware bug is seen. Not an abort: nothing in the manual gives the VIC an error
/// response.</item>
/// <item>VICSoftIntClear has a one-time effect (§5.8 "VIC usage notes"): a 1 clears its VICSoftInt bit
/// once, a further clear of the bit needs a 0 written first (see <see cref="Pl190Vic(string, bool)"/>).</item>
/// <item>Reading VICVectAddr with nothing new to service returns VICDefVectAddr (Table 51), as every
/// PL190 here does.</item>
/// </list>
/// </remarks>
public sealed class Lpc2106Vic : IBusDevice, IDeviceModel, IStateful
{
    /// <summary>LPC2106 VIC: the PL190 in a 16 KiB AHB slot (0xFFFFC000), word accesses only, one-time VICSoftIntClear.</summary>
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2106Vic>("lpc2106_vic",
            "NXP LPC2106 vectored interrupt controller: a PL190 in a 16 KiB AHB slot, word registers only, one-time VICSoftIntClear")
        .Window(0x4000)
        .Output("IRQ", v => v.Pl190.Irq, "nVICIRQ, active high")
        .Output("FIQ", v => v.Pl190.Fiq, "nVICFIQ, active high")
        .NumberedInputs(Pl190Vic.SourceCount, (v, n, line) => v.Pl190.ConnectSource(n, line), "VICINTSOURCE[31:0]")
        .Signals((v, s) => Pl190Vic.DeclareSignals(v.Pl190, s))
        .Build(c => new Lpc2106Vic(c.Name, c.Warn));

    private readonly Action<string> _warn;
    private bool _warnedNarrow;

    public Lpc2106Vic(string name, Action<string>? warn = null)
    {
        Pl190 = new Pl190Vic(name, oneTimeSoftIntClear: true);
        _warn = warn ?? (_ => { });
    }

    /// <summary>The PL190 inside: its registers, lines and priority logic.</summary>
    public Pl190Vic Pl190 { get; }

    public string Name => Pl190.Name;

    public void Reset() => Pl190.Reset();

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        if (size == 4) return Pl190.Read(address, 4, flags, ref abort);
        Narrow(address, size, "read");
        return PrimeCell.NarrowRead(Pl190.Read(address & ~3u, 4, flags, ref abort), address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        if (size != 4)
        {
            Narrow(address, size, "write");
            value = size == 1 ? (value & 0xFF) * 0x0101_0101u : (value & 0xFFFF) * 0x0001_0001u;
        }
        Pl190.Write(address & ~3u, 4, value, flags, ref abort);
    }

    private void Narrow(uint address, int size, string what)
    {
        if (_warnedNarrow) return;
        _warnedNarrow = true;
        _warn($"{Name}: {(size == 1 ? "byte" : "halfword")} {what} at 0x{address:X8}: the VIC's registers are word registers, byte and halfword accesses are not supported (UM10275 §5.3); it acts on the whole word");
    }

    /// <summary>The PL190's state (<see cref="Pl190Vic.SaveState"/>).</summary>
    public void SaveState(StateWriter w) => Pl190.SaveState(w);

    public void LoadState(StateReader r) => Pl190.LoadState(r);
}
