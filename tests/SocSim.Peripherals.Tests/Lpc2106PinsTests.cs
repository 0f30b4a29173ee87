using SocSim.Core;
using SocSim.Core.Devices;
using static SocSim.Peripherals.Lpc2106Pins;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Lpc2106PinsTests
{
    private readonly Bench _b = new();
    private readonly List<string> _warnings = new();
    private readonly List<(int Pad, bool Level, long Tick)> _edges = new();
    private readonly Lpc2106Pins _p;

    public Lpc2106PinsTests()
    {
        _p = new Lpc2106Pins("gpio", _b.Scheduler, _warnings.Add);
        _p.PadChanged += (n, level, tick) => _edges.Add((n, level, tick));
    }

    private static DeviceType T => Lpc2106Pins.Type;
    private IrqLine Out(string name) => T.Output(_p, name);
    private void Connect(string input, IrqLine line) => T.ConnectInput(_p, input, line);

    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0u, R(_p, IODIR));
        Assert.Equal(0u, R(_p, IOSET));
        Assert.Equal(0u, R(_p, PINSEL0));
        Assert.Equal(0u, R(_p, PINSEL1));
        // Every pin a GPIO input with nothing driving it: the undriven level 1 on every pad.
        Assert.Equal(0xFFFFFFFFu, R(_p, IOPIN));
        Assert.Equal(0xFFFFFFFFu, _p.PadLevels);
        for (int n = 0; n < 32; n++) Assert.True(Out($"P0_{n}").Level);
        foreach (var f in new[] { "RXD0", "RXD1", "CAP0_0", "CAP1_3", "EINT0", "EINT1", "EINT2", "SCL", "TCK" })
            Assert.True(Out(f).Level, f);
        Assert.Empty(_warnings);
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void ResetRestoresRegistersAndKeepsExternalDrivers()
    {
        _p.DrivePad(9, false);
        W(_p, IODIR, 0xFFFF_0000);
        W(_p, IOSET, 0x00FF_0000);
        W(_p, PINSEL0, 0x5);
        W(_p, PINSEL1, 0x1);
        _p.Reset();
        Assert.Equal(0u, R(_p, IODIR));
        Assert.Equal(0u, R(_p, IOSET));
        Assert.Equal(0u, R(_p, PINSEL0));
        Assert.Equal(0u, R(_p, PINSEL1));
        Assert.Equal(~(1u << 9), R(_p, IOPIN));
    }

    [Fact]
    public void DeclarationNamesEveryPadAndFunction()
    {
        Assert.Equal("lpc2106_pins", T.Name);
        Assert.Equal(0x8000u, T.WindowSize);
        Assert.Equal(0u, 0xE0028000u % T.Alignment);
        for (int n = 0; n < 32; n++)
        {
            Assert.NotNull(T.FindOutput($"P0_{n}"));
            Assert.NotNull(T.FindInput($"P0_{n}"));
        }
        string[] inputFunctions = ["RXD0", "RXD1", "CTS1", "DSR1", "DCD1", "RI1", "CAP0_0", "CAP0_1", "CAP0_2",
            "CAP1_0", "CAP1_1", "CAP1_2", "CAP1_3", "EINT0", "EINT1", "EINT2", "SSEL", "TRST", "TMS", "TCK", "TDI"];
        string[] outputFunctions = ["TXD0", "TXD1", "RTS1", "DTR1", "MAT0_0", "MAT0_1", "MAT0_2", "MAT1_0", "MAT1_1",
            "MAT1_2", "MAT1_3", "PWM1", "PWM2", "PWM3", "PWM4", "PWM5", "PWM6", "TDO"];
        string[] bidirectional = ["SCL", "SDA", "SCK", "MISO", "MOSI", "SSP_SCK", "SSP_MISO", "SSP_MOSI", "SSP_SSEL"];
        foreach (var f in inputFunctions) { Assert.NotNull(T.FindOutput(f)); Assert.Null(T.FindInput(f)); }
        foreach (var f in outputFunctions) { Assert.NotNull(T.FindInput(f)); Assert.Null(T.FindOutput(f)); }
        foreach (var f in bidirectional) { Assert.NotNull(T.FindInput(f)); Assert.NotNull(T.FindOutput(f)); }
        string[] eintSelected = ["EINT0_SEL", "EINT1_SEL", "EINT2_SEL"];
        foreach (var f in eintSelected) Assert.False(T.FindOutput(f)!.ResetHigh);
        Assert.Equal(32 + inputFunctions.Length + bidirectional.Length + eintSelected.Length, T.Outputs.Count);
        Assert.NotNull(T.FindInput("GPIO0M"));                     // SCS.GPIO0M (part 01's fast GPIO)
        Assert.NotNull(T.FindInput("SSP"));                        // PCONP.PCSSP (part 01's SSP on the SPI's pins)
        Assert.Equal(32 + outputFunctions.Length + bidirectional.Length + 2, T.InputPins.Count);
        Assert.Contains("P0.7 with PINSEL0[15:14] = 01 and PCONP.PCSSP = 1", T.FindOutput("SSP_SSEL")!.Description);
        Assert.All(T.OutputLines.Where(o => !o.Name.EndsWith("_SEL")), o => Assert.True(o.ResetHigh));
        Assert.Contains("P0.1 with PINSEL0[3:2] = 01", T.FindOutput("RXD0")!.Description);
        Assert.Contains("(P0.31 with PINSEL1[31:30] = 01)", T.FindInput("TDO")!.Description);
    }

    [Fact]
    public void GpioOutputThroughIosetAndIoclr()
    {
        W(_p, IODIR, 1u << 7);
        W(_p, IOCLR, 1u << 7);
        Assert.False(_p.Pad(7).Level);
        Assert.Equal(~(1u << 7), R(_p, IOPIN));
        W(_p, IOSET, 1u << 7);
        Assert.True(_p.Pad(7).Level);
        Assert.Equal(1u << 7, R(_p, IOSET));
        W(_p, IOCLR, 1u << 7);
        Assert.False(_p.Pad(7).Level);
        Assert.Equal(0u, R(_p, IOSET));
        // Writing 0s to IOSET or IOCLR has no effect.
        W(_p, IOSET, 1u << 7);
        W(_p, IOSET, 0);
        W(_p, IOCLR, 0);
        Assert.True(_p.Pad(7).Level);
        Assert.Equal(1u << 7, R(_p, IOSET));
    }

    /// <summary>
    /// UM10275 §8.6.4/§8.6.5: IOSET and IOCLR have no effect on a pin that is an input or a secondary
    /// function; §8.6.3: writing IOPIN stores the value in the output register, every bit, so a latch
    /// bit is preset through IOPIN and appears when the direction turns output.
    /// </summary>
    [Fact]
    public void IosetAndIoclrActOnlyOnGpioOutputs_IopinStoresTheWholeLatch()
    {
        _p.DrivePad(8, true);
        W(_p, IOSET, 1u << 8);                          // an input: no effect
        Assert.Equal(0u, R(_p, IOSET));
        W(_p, PINSEL0, 1u << 0);                         // P0.0 TxD0, a secondary function
        W(_p, IODIR, 1u << 0);
        W(_p, IOSET, 1u << 0);
        Assert.Equal(0u, R(_p, IOSET));
        W(_p, IOPIN, (1u << 8) | (1u << 0));             // IOPIN stores every bit
        Assert.Equal((1u << 8) | (1u << 0), R(_p, IOSET));
        W(_p, IOCLR, 1u << 8);                           // still an input: no effect
        Assert.Equal((1u << 8) | (1u << 0), R(_p, IOSET));
        W(_p, IOPIN, 1u << 0);                           // latch bit 8 is 0
        Assert.True(_p.Pad(8).Level);                    // an input: the external level
        W(_p, IODIR, 1u << 8);
        Assert.False(_p.Pad(8).Level);                   // the chip drives the latch; it wins over the external driver
        W(_p, IODIR, 0);
        Assert.True(_p.Pad(8).Level);
    }

    [Fact]
    public void IopinReadsWhateverDrivesThePads()
    {
        var wire = new IrqLine("board.wire");
        Connect("P0_6", wire);
        Assert.Equal(~(1u << 6), R(_p, IOPIN)); // the wire is low
        wire.Set(true);
        Assert.Equal(0xFFFFFFFFu, R(_p, IOPIN));
        _p.DrivePad(5, false);
        Assert.Equal(~(1u << 5), R(_p, IOPIN));
        // The host's drive overrides the board's wire until released.
        _p.DrivePad(6, false);
        Assert.False(_p.Pad(6).Level);
        _p.ReleasePad(6);
        Assert.True(_p.Pad(6).Level);
        _p.ReleasePad(5);
        Assert.True(_p.Pad(5).Level);
        // GPIO outputs and peripheral functions read back too.
        W(_p, IODIR, 1u << 20);
        W(_p, IOCLR, 1u << 20);
        var mat = new IrqLine("timer0.MAT0");
        Connect("MAT0_1", mat);
        W(_p, PINSEL0, 2u << 10); // P0.5 = MAT0.1
        Assert.Equal(~((1u << 20) | (1u << 5)), R(_p, IOPIN));
        mat.Set(true);
        Assert.Equal(~(1u << 20), R(_p, IOPIN));
    }

    [Fact]
    public void WritingIopinLoadsTheOutputLatch()
    {
        W(_p, IODIR, 0xFF);
        W(_p, IOPIN, 0x0000_00A5);
        Assert.Equal(0xA5u, R(_p, IOSET));
        Assert.Equal(0xFFFF_FFA5u, R(_p, IOPIN));
    }

    [Fact]
    public void PinselSwitchesPadZeroToTxd0()
    {
        var txd = new IrqLine("uart0.TXD");
        txd.Set(true);
        Connect("TXD0", txd);
        W(_p, IODIR, 1);
        W(_p, IOCLR, 1);
        Assert.False(_p.Pad(0).Level); // GPIO: the latch
        txd.Set(false);
        Assert.False(_p.Pad(0).Level);
        txd.Set(true);
        Assert.False(_p.Pad(0).Level); // TXD0 is not routed yet
        W(_p, PINSEL0, 1); // P0.0 = TxD0
        Assert.True(_p.Pad(0).Level);
        txd.Set(false);
        Assert.False(_p.Pad(0).Level);
        txd.Set(true);
        Assert.True(_p.Pad(0).Level);
        // IODIR and the latch no longer matter.
        W(_p, IODIR, 0);
        W(_p, IOCLR, 1);
        Assert.True(_p.Pad(0).Level);
        W(_p, PINSEL0, 0);
        Assert.True(_p.Pad(0).Level); // GPIO input again: undriven, 1
    }

    [Fact]
    public void UnconnectedOutputFunctionsShowTheirIdleLevel()
    {
        W(_p, PINSEL0, 1); // P0.0 = TxD0, mark
        Assert.True(_p.Pad(0).Level);
        W(_p, PINSEL0, 2u << 10); // P0.5 = MAT0.1, EMR reset 0
        Assert.True(_p.Pad(0).Level);
        Assert.False(_p.Pad(5).Level);
    }

    [Fact]
    public void Rxd0FollowsPadOneOnlyWhenSelected()
    {
        var rxd = Out("RXD0");
        _p.DrivePad(1, false);
        Assert.True(rxd.Level); // P0.1 is a GPIO: UART0 sees its idle level
        W(_p, PINSEL0, 1u << 2); // P0.1 = RxD0
        Assert.False(rxd.Level);
        _p.DrivePad(1, true);
        Assert.True(rxd.Level);
        _p.DrivePad(1, false);
        Assert.False(rxd.Level);
        W(_p, PINSEL0, 2u << 2); // P0.1 = PWM3: an output, RxD0 unselected
        Assert.True(rxd.Level);
        Assert.False(_p.Pad(1).Level); // PWM3 unconnected: 0
    }

    [Fact]
    public void ReservedPinselValueWarnsAndThePinBehavesAsGpio()
    {
        W(_p, PINSEL0, 0x1 | 0x4); // valid: TxD0, RxD0
        Assert.Empty(_warnings);
        W(_p, PINSEL0, 0x3); // P0.0 = 11
        Assert.Equal(["gpio: PINSEL0 selects reserved function 11 on P0.0 (PINSEL0[1:0]); the pin behaves as GPIO"], _warnings);
        Assert.Equal(0x3u, R(_p, PINSEL0)); // the written value reads back
        W(_p, IODIR, 1);
        W(_p, IOCLR, 1);
        Assert.False(_p.Pad(0).Level);
        W(_p, IOSET, 1);
        Assert.True(_p.Pad(0).Level);
        _warnings.Clear();
        W(_p, PINSEL1, 1u << 12); // P0.22 = 01: no function on this part
        W(_p, PINSEL1, 2u << 22); // P0.27 = 10
        W(_p, PINSEL1, 1u << 22); // P0.27 = 01: TRST, valid
        Assert.Equal([
            "gpio: PINSEL1 selects reserved function 01 on P0.22 (PINSEL1[13:12]); the pin behaves as GPIO",
            "gpio: PINSEL1 selects reserved function 10 on P0.27 (PINSEL1[23:22]); the pin behaves as GPIO",
        ], _warnings);
    }

    [Fact]
    public void ReservedOffsetsWarnReadZeroAndIgnoreWrites()
    {
        Assert.Equal(0u, R(_p, 0x10));
        W(_p, 0x4008, 0xFFFF_FFFF);
        Assert.Equal(0u, R(_p, IOCLR));
        Assert.Equal([
            "gpio: read of reserved offset 0x0010",
            "gpio: write to reserved offset 0x4008 ignored",
            "gpio: read of write-only register IOCLR (offset 0x000C) returns 0",
        ], _warnings);
        Assert.Equal(0xFFFFFFFFu, R(_p, IOPIN));
    }

    [Fact]
    public void ByteWritesUseTheirLane()
    {
        W(_p, IODIR, 0xFFFF_FFFF);
        W(_p, IOCLR, 0xFFFF_FFFF);
        W(_p, IOSET + 1, 0x04, size: 1); // STRB to IOSET+1: bit 10
        Assert.Equal(1u << 10, R(_p, IOSET));
        Assert.Equal(0x04u, R(_p, IOPIN + 1, size: 1));
    }

    [Fact]
    public void LoopbackFromPadZeroToPadOne()
    {
        // The board's loopback override: pad P0.0's level is pad P0.1's external driver.
        Connect("P0_1", Out("P0_0"));
        var txd = new IrqLine("uart0.TXD");
        txd.Set(true);
        Connect("TXD0", txd);
        var rxd = Out("RXD0");
        W(_p, PINSEL0, 0x5); // TxD0, RxD0
        Assert.True(rxd.Level);
        txd.Set(false);
        Assert.False(_p.Pad(1).Level);
        Assert.False(rxd.Level);
        txd.Set(true);
        Assert.True(rxd.Level);
        // A GPIO output on P0.0 reaches P0.1 too; a driven P0.1 ignores the wire.
        W(_p, PINSEL0, 0);
        W(_p, IODIR, 1);
        W(_p, IOCLR, 1);
        Assert.Equal(~3u, R(_p, IOPIN));
        W(_p, IODIR, 3);
        W(_p, IOSET, 2);
        Assert.Equal(~1u, R(_p, IOPIN));
    }

    [Fact]
    public void PadsWiredBothWaysSettle()
    {
        Connect("P0_1", Out("P0_0"));
        Connect("P0_0", Out("P0_1"));
        Assert.Equal(0xFFFFFFFFu, R(_p, IOPIN));
        W(_p, IODIR, 2);
        W(_p, IOCLR, 2);
        Assert.Equal(~3u, R(_p, IOPIN)); // P0.1 drives, P0.0 follows through the wire
        _p.DrivePad(0, true); // the host overrides P0.0's wire; P0.1 is driven by the chip
        Assert.Equal(~2u, R(_p, IOPIN));
        W(_p, IODIR, 0);
        Assert.Equal(0xFFFFFFFFu, R(_p, IOPIN));
    }

    [Fact]
    public void PadDriverCanBeConnectedOnlyOnce()
    {
        Connect("P0_3", new IrqLine("a"));
        var e = Assert.Throws<InvalidOperationException>(() => Connect("P0_3", new IrqLine("b")));
        Assert.Contains("P0_3", e.Message);
        Connect("TXD0", new IrqLine("c"));
        Assert.Throws<InvalidOperationException>(() => Connect("TXD0", new IrqLine("d")));
    }

    [Fact]
    public void OpenDrainPadsOnlyPullLow()
    {
        W(_p, IODIR, 1u << 2);
        W(_p, IOSET, 1u << 2);
        Assert.True(_p.Pad(2).Level); // released, undriven: 1
        _p.DrivePad(2, false);
        Assert.False(_p.Pad(2).Level); // released: the external level shows
        _p.DrivePad(2, true);
        W(_p, IOCLR, 1u << 2);
        Assert.False(_p.Pad(2).Level); // pulled low
    }

    [Fact]
    public void BidirectionalFunctionsAreAWiredAnd()
    {
        var sclDrive = new IrqLine("i2c.SCL");
        sclDrive.Set(true);
        Connect("SCL", sclDrive);
        var sclSeen = Out("SCL");
        W(_p, PINSEL0, 1u << 4); // P0.2 = SCL
        Assert.True(sclSeen.Level);
        sclDrive.Set(false);
        Assert.False(_p.Pad(2).Level);
        Assert.False(sclSeen.Level);
        sclDrive.Set(true);
        _p.DrivePad(2, false); // a slave stretches the clock
        Assert.False(sclSeen.Level);
        _p.ReleasePad(2);
        Assert.True(sclSeen.Level);
        // SPI MISO in master mode: the peripheral releases it and reads the slave.
        var miso = Out("MISO");
        W(_p, PINSEL0, 1u << 10); // P0.5 = MISO
        _p.DrivePad(5, false);
        Assert.False(miso.Level);
        Assert.False(_p.Pad(5).Level);
    }

    /// <summary>UM10275 Table 57: P0.17–P0.21 have no function at PINSEL 10 (no JTAG there); JTAG is 01 on P0.27–P0.31.</summary>
    [Fact]
    public void P0_17ToP0_21HaveNoSecondFunction_JtagIsOnP0_27ToP0_31()
    {
        var tdo = new IrqLine("jtag.TDO");
        Connect("TDO", tdo);
        W(_p, PINSEL1, (2u << 10) | (1u << 30)); // P0.21 = 10 (reserved), P0.31 = TDO
        Assert.Equal(["gpio: PINSEL1 selects reserved function 10 on P0.21 (PINSEL1[11:10]); the pin behaves as GPIO"], _warnings);
        Assert.True(_p.Pad(21).Level);           // a GPIO input nothing drives
        Assert.False(_p.Pad(31).Level);
        tdo.Set(true);
        Assert.True(_p.Pad(31).Level);
        W(_p, PINSEL1, 1u << 26);                // TCK on P0.29 (01)
        _p.DrivePad(29, false);
        Assert.False(Out("TCK").Level);
    }

    [Fact]
    public void EdgesHappenAtTheTickTheirDriverChanged()
    {
        var txd = new IrqLine("uart0.TXD");
        txd.Set(true);
        Connect("TXD0", txd);
        W(_p, PINSEL0, 1);
        Assert.Empty(_edges);
        // A peripheral's event at tick 1000 drops the line; the CPU is at 1013 when it runs (overshoot).
        _b.Scheduler.Schedule(new Event("uart0.bit", EventPriority.Peripheral, _ => txd.Set(false)), 1000);
        _b.At(1013);
        Assert.Equal([(0, false, 1000L)], _edges);
        // A register write happens at the access tick.
        _b.At(2000);
        W(_p, PINSEL0, 0);
        Assert.Equal((0, true, 2000L), _edges[^1]);
        W(_p, IODIR, 1u << 12);
        W(_p, IOCLR, 1u << 12);
        Assert.Equal((12, false, 2000L), _edges[^1]);
        _b.At(2500);
        W(_p, IOSET, 1u << 12);
        Assert.Equal((12, true, 2500L), _edges[^1]);
        // The host's drive at the present tick; a pad wired to a pad changes at the same tick.
        Connect("P0_14", _p.Pad(13));
        _b.At(3000);
        _p.DrivePad(13, false);
        Assert.Equal([(13, false, 3000L), (14, false, 3000L)], _edges[^2..]);
    }

    private sealed class RecordingBinder(Scheduler s) : ISignalBinder
    {
        public readonly List<string> Lines = new();
        public readonly List<(string Name, long Tick, ulong Value)> Changes = new();
        public long EventTime => s.EventTime;
        public void Line(string name, IrqLine line) => Lines.Add(name);
        public void Sampled(string name, int width, Func<ulong> sample, long edgePeriodTicks) => throw new InvalidOperationException();
        public Action<long, ulong> Driven(string name, int width, ulong initial)
        {
            Assert.Equal(32, width);
            Assert.Equal(0ul, initial);
            Lines.Add(name);
            return (tick, v) => Changes.Add((name, tick, v));
        }
    }

    [Fact]
    public void TracesPadsAndRegisters()
    {
        var b = new RecordingBinder(_b.Scheduler);
        T.DeclareSignals(_p, b);
        Assert.Equal(Enumerable.Range(0, 32).Select(n => $"P0_{n}").Concat(["IODIR", "IOSET", "PINSEL0", "PINSEL1"]), b.Lines);
        _b.At(100);
        W(_p, IODIR, 0x80);
        W(_p, IOSET, 0x80);
        W(_p, IOSET, 0x80); // no change, no record
        _b.At(150);
        W(_p, PINSEL0, 0x5);
        W(_p, PINSEL1, 0x1);
        W(_p, IOCLR, 0x80);
        Assert.Equal([("IODIR", 100L, 0x80ul), ("IOSET", 100L, 0x80ul), ("PINSEL0", 150L, 0x5ul), ("PINSEL1", 150L, 0x1ul), ("IOSET", 150L, 0ul)], b.Changes);
    }

    [Fact]
    public void PadNames()
    {
        Assert.Equal(5, PadNumber("P0_5"));
        Assert.Equal(31, PadNumber("P0.31"));
        Assert.Equal(-1, PadNumber("P0_32"));
        Assert.Equal(-1, PadNumber("P1_0"));
        Assert.Equal(-1, PadNumber("P0_"));
        Assert.Equal(-1, PadNumber("P0_+1"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _p.DrivePad(32, true));
    }
}
