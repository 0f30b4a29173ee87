using SocSim.Core;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>An rtl block's ports wired through the LPC2106 board's pins section, like a modelled peripheral's.</summary>
public class Lpc2106PinsTests
{
    private const uint Base = 0xE0030000;

    private static void W(RtlPeripheral d, uint offset, uint v)
    {
        bool abort = false;
        d.Write(Base + offset, 4, v, AccessFlags.None, ref abort);
        Assert.False(abort);
    }

    private static uint R(RtlPeripheral d, uint offset)
    {
        bool abort = false;
        uint v = d.Read(Base + offset, 4, AccessFlags.None, ref abort);
        Assert.False(abort);
        return v;
    }

    [Fact]
    public void The_RTL_GPIO_drives_pad_P0_10_and_reads_it_back()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "lpc2106.json"), RtlTestBoards.Asset("lpc2106_gpio.json")]);
        m.Bus.DebugWrite32(0x40000000, 0xEAFFFFFE); // b . in SRAM
        m.Cpu.ResetTo(0x40000000);
        var d = m.Device<RtlPeripheral>("rtlgpio");
        var pad = m.InterruptOutput("gpio", "P0_10");
        var seen = new List<(long, bool)>();
        pad.Subscribe(l => seen.Add((m.Scheduler.EventTime, l)));
        m.Run(100);
        W(d, 0x00, 0x01); // PADDIR: pad 0 drives
        W(d, 0x04, 0xF0); // GPIOEN: sample pads 4-7
        foreach (uint v in new uint[] { 1, 0, 1 })
        {
            W(d, 0x0C, v); // PADOUT
            m.Run(m.Scheduler.Cycles + 200);
            Assert.Equal(v == 1, pad.Level);
            Assert.Equal(v, (R(d, 0x08) >> 4) & 1); // PADIN: pad 4 follows P0.10
        }
        Assert.Equal([true, false, true], seen.Select(s => s.Item2).ToArray());
    }
}
