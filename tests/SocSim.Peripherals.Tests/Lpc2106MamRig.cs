using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// An LPC2106 MAM on its own bus: 128 KB of flash at 0 and 64 KB of SRAM at 0x40000000, 48 MHz, with the
/// same-line shortcuts on or off (the MAM model tests drive it through its timing entries directly).
/// </summary>
internal sealed class Lpc2106MamRig : IDisposable
{
    public readonly Lpc2106Mam Mam;
    private readonly Bus _bus;
    private readonly MemoryRegion _flash, _sram;

    public Lpc2106MamRig(bool shortcut)
    {
        var s = new Scheduler(48_000_000, 1);
        _bus = new Bus(s);
        _flash = new MemoryRegion("flash", 0, 0x20000, RegionKind.Rom, 32, WaitStates.Zero);
        _sram = new MemoryRegion("sram", 0x4000_0000, 0x10000, RegionKind.Ram, 32, WaitStates.Zero);
        _bus.AddRegion(_flash);
        _bus.AddRegion(_sram);
        Mam = new Lpc2106Mam("mam", s, _ => { }) { SameLineShortcut = shortcut };
        Mam.Attach(_bus, "flash", "sram");
    }

    public void Dispose()
    {
        _bus.Dispose();
        _flash.Dispose();
        _sram.Dispose();
    }
}
