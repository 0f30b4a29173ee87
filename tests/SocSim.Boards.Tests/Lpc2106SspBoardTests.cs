using SocSim.Core;
using SocSim.Peripherals;
using static SocSim.Peripherals.Lpc2106Ssp;

namespace SocSim.Boards.Tests;

/// <summary>
/// The SSP of the LPC2106/01 on its board (boards/overrides/lpc2106-01.json): 0xE005C000, PCONP.PCSSP
/// selecting it on the SPI's pins and VIC channel 10 (UM10275 §13.2, §13.5, Table 27), its frames on the
/// pads, and the W25Q80DV's JEDEC ID read through it; the legacy part has nothing at 0xE005C000.
/// </summary>
public sealed class Lpc2106SspBoardTests
{
    private static string Lpc => Path.Combine(TestFiles.BoardsDir, "lpc2106.json");
    private static string Part01 => Path.Combine(TestFiles.BoardsDir, "overrides", "lpc2106-01.json");
    private static string SpiFlash => Path.Combine(TestFiles.BoardsDir, "overrides", "lpc2106-spiflash.json");
    private const uint Ssp = 0xE005C000, Scb = 0xE01FC000, Gpio = 0xE0028000, Pcb = 0xE002C000, Vic = 0xFFFFF000;
    private const uint PconpAddr = Scb + Lpc2106SystemControl.PCONP;
    /// <summary>PCONP with the SSP instead of the SPI (Table 27: PCSSP = 1, PCSPI = 0).</summary>
    private const uint PconpSsp = (Lpc2106SystemControl.PconpReset & ~Lpc2106SystemControl.PCSPI) | Lpc2106SystemControl.PCSSP;

    private static Machine Create(out StringWriter warnings, params string[] boards)
    {
        warnings = new StringWriter();
        var m = Machine.Create(BoardLoader.Load(boards, []), new MachineOptions { Warnings = warnings });
        m.Bus.DebugWrite32(0x40000000, 0xEAFFFFFE); // b . in SRAM
        m.Cpu.ResetTo(0x40000000);
        return m;
    }

    private static void W(Machine m, uint address, uint value) => m.Bus.Write32(address, value, AccessFlags.Write);
    private static uint R(Machine m, uint address) => m.Bus.Read32(address, AccessFlags.None);
    /// <summary>Runs until the CPU clock's first edge after time base tick <paramref name="tick"/>.</summary>
    private static void RunTo(Machine m, long tick) => m.Run(m.Scheduler.CpuClock.EdgesAt(tick) + 1);

    [Fact]
    public void TheLegacyPartHasNothingAt0xE005C000_The01PartItsSsp()
    {
        using var legacy = Create(out _, Lpc);
        Assert.Null(legacy.Bus.FindMapping(Ssp));
        Assert.False(legacy.Devices.ContainsKey("ssp"));
        using var m = Create(out _, Lpc, Part01);
        Assert.IsType<Lpc2106Ssp>(m.Bus.FindMapping(Ssp)!.Device);
        Assert.Equal(0x4000u, m.Bus.FindMapping(Ssp)!.Size);
    }

    /// <summary>
    /// Table 27 and §13.5: PCSSP resets to 0 (the SPI has the pins); writing PCSPI and PCSSP both 1 gives
    /// PCSPI = 1, PCSSP = 0; while PCSSP is 0 the SSP's registers do not answer (§3.10.3, its slot 23 gated by bit 21).
    /// </summary>
    [Fact]
    public void PconpSelectsTheSsp_AndGatesItsRegisters()
    {
        using var m = Create(out var warnings, Lpc, Part01);
        Assert.Equal(Lpc2106SystemControl.PconpReset, R(m, PconpAddr));
        W(m, Ssp + SSPCPSR, 8);
        Assert.Equal(0u, R(m, Ssp + SSPCPSR));
        Assert.Contains("PCONP bit 21 is 0", warnings.ToString());
        W(m, PconpAddr, Lpc2106SystemControl.PconpReset | Lpc2106SystemControl.PCSSP);
        Assert.Equal(Lpc2106SystemControl.PconpReset, R(m, PconpAddr));
        W(m, PconpAddr, PconpSsp);
        Assert.Equal(PconpSsp, R(m, PconpAddr));
        W(m, Ssp + SSPCPSR, 8);
        Assert.Equal(8u, R(m, Ssp + SSPCPSR));
        Assert.Equal(0x03u, R(m, Ssp + SSPSR));
        using var legacy = Create(out _, Lpc);
        W(legacy, PconpAddr, Lpc2106SystemControl.PconpReset | Lpc2106SystemControl.PCSSP);
        Assert.Equal(Lpc2106SystemControl.PconpReset, R(legacy, PconpAddr)); // no bit 21 on the legacy part
    }

    /// <summary>
    /// A frame on the pads: PINSEL0 selects SCK, MISO, MOSI, SSEL (01) on P0.4-P0.7 and PCSSP gives them to the
    /// SSP; with CPSDVSR = 2, SCR = 3 (T = 8 PCLKs, PCLK = CCLK / 4 at reset) SSEL falls on P0.7, SCK's 16 edges
    /// follow on P0.4 at H = 4 PCLKs from h2, SSEL rises at h18; MISO on P0.5 is held low from outside; the frame received is MISO's 0, and VIC channel 10 carries the SSP's receive time-out.
    /// </summary>
    [Fact]
    public void AFrameOnThePads_AndTheSharedVicChannel()
    {
        using var m = Create(out var warnings, Lpc, Part01);
        var pins = (Lpc2106Pins)m.Devices["gpio"];
        var pclk = m.Clocks["PCLK"];
        var edges = new List<(int Pad, bool Level, long Tick)>();
        pins.PadChanged += (pad, level, tick) => { if (pad is >= 4 and <= 7) edges.Add((pad, level, tick)); };
        W(m, PconpAddr, PconpSsp);
        W(m, Pcb, 0x5500);                                             // P0.4-P0.7: SCK, MISO, MOSI, SSEL
        W(m, Ssp + SSPCPSR, 2);
        W(m, Ssp + SSPCR0, (3u << 8) | 7);
        W(m, Ssp + SSPIMSC, RT);
        W(m, Ssp + SSPCR1, SSE);
        pins.DrivePad(5, false);                                       // MISO held low: the frame received is 0
        edges.Clear();
        long write = m.Scheduler.Now;
        W(m, Ssp + SSPDR, 0x81);
        long t0 = pclk.TimeOfEdge(pclk.EdgesAt(write) + 1);
        long h = 4 * pclk.PeriodTicks;
        RunTo(m, t0 + 20 * h);
        var ssel = edges.Where(e => e.Pad == 7).Select(e => (e.Level, e.Tick));
        Assert.Equal(new[] { (false, t0), (true, t0 + 18 * h) }, ssel);
        var sck = edges.Where(e => e.Pad == 4).Select(e => e.Tick).ToList();
        Assert.Equal(Enumerable.Range(2, 16).Select(i => t0 + i * h), sck);
        var mosi = edges.Where(e => e.Pad == 6).Select(e => (e.Level, e.Tick));
        Assert.Equal(new[] { (false, t0 + 3 * h), (true, t0 + 15 * h) }, mosi); // 0x81: bit 1 at h3, bit 7 at h15
        const uint VicRawIntr = Vic + 0x008;
        Assert.Equal((0u, 0u), (R(m, Ssp + SSPRIS) & RT, R(m, VicRawIntr) & (1u << 10)));
        RunTo(m, t0 + (16 + 64) * h);                                 // RTRIS: 32 bit times (T = 2H) after the capture at h16
        Assert.Equal(1u << 10, R(m, VicRawIntr) & (1u << 10));
        Assert.Equal(0u, R(m, Ssp + SSPDR));
        Assert.DoesNotContain("ssp", warnings.ToString());
    }

    /// <summary>
    /// The W25Q80DV of boards/overrides/lpc2106-spiflash.json (CLK on P0.4, DI on P0.6, DO on P0.5, /CS on P0.10 as
    /// a GPIO) read through the SSP in SPI mode 0: 9Fh then three dummy frames return its JEDEC ID EF 40 14.
    /// </summary>
    [Fact]
    public void TheSpiFlashsJedecIdThroughTheSsp()
    {
        using var m = Create(out _, Lpc, Part01, SpiFlash);
        W(m, PconpAddr, PconpSsp);
        W(m, Pcb, 0x5500);
        W(m, Gpio + Lpc2106Pins.IODIR, 1u << 10);
        W(m, Gpio + Lpc2106Pins.IOSET, 1u << 10);
        W(m, Ssp + SSPCPSR, 8);
        W(m, Ssp + SSPCR0, 7);
        W(m, Ssp + SSPCR1, SSE);
        W(m, Gpio + Lpc2106Pins.IOCLR, 1u << 10);                      // /CS low
        foreach (uint b in new uint[] { 0x9F, 0, 0, 0 }) W(m, Ssp + SSPDR, b);
        for (int k = 0; k < 1000 && (R(m, Ssp + SSPSR) & BSY) != 0; k++) m.Run(m.Scheduler.Cycles + 64);
        W(m, Gpio + Lpc2106Pins.IOSET, 1u << 10);
        var got = Enumerable.Range(0, 4).Select(_ => R(m, Ssp + SSPDR)).ToArray();
        Assert.Equal(new uint[] { 0xFF, 0xEF, 0x40, 0x14 }, got);
    }

    /// <summary>A checkpoint taken mid-frame with frames waiting in the Tx FIFO: the loaded machine puts the same edges on SCK, MOSI and SSEL and receives the same frames.</summary>
    [Fact]
    public void ACheckpointMidFrame_GivesTheSameEdgesAndFrames()
    {
        Machine Setup()
        {
            var m = Create(out _, Lpc, Part01);
            W(m, PconpAddr, PconpSsp);
            W(m, Pcb, 0x5500);
            return m;
        }
        using var a = Setup();
        W(a, Ssp + SSPCPSR, 6);
        W(a, Ssp + SSPCR0, (1u << 8) | CPHA | 9);                      // 10-bit frames, CPHA = 1
        W(a, Ssp + SSPCR1, SSE | LBM);
        foreach (uint v in new uint[] { 0x2A5, 0x15A, 0x3C3 }) W(a, Ssp + SSPDR, v);
        a.Run(a.Scheduler.Cycles + 200);                                // inside the first frame: 3 frames of 20 x 6 PCLKs
        using var state = new MemoryStream();
        a.SaveState(state);
        using var b = Setup();
        state.Position = 0;
        b.LoadState(state);
        (List<(int, bool, long)> Edges, uint[] Frames) After(Machine m)
        {
            var edges = new List<(int, bool, long)>();
            ((Lpc2106Pins)m.Devices["gpio"]).PadChanged += (pad, level, tick) => { if (pad is >= 4 and <= 7) edges.Add((pad, level, tick)); };
            m.Run(m.Scheduler.Cycles + 4000);
            return (edges, Enumerable.Range(0, 3).Select(_ => R(m, Ssp + SSPDR)).ToArray());
        }
        var ea = After(a);
        Assert.NotEmpty(ea.Edges);
        Assert.Equal(new uint[] { 0x2A5, 0x15A, 0x3C3 }, ea.Frames);
        var eb = After(b);
        Assert.Equal(ea.Edges, eb.Edges);
        Assert.Equal(ea.Frames, eb.Frames);
    }
}
