using System.Text;
using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// Checkpoints of every device model (<see cref="IStateful"/>): a device driven into a busy state is
/// saved (with its scheduler's queue), loaded into a fresh instance and into one that has run another
/// history, and the three then run the same script: register reads, output edges and their ticks,
/// transmitted characters and frames must be identical, and saving a loaded state gives the same bytes.
/// </summary>
public sealed class DeviceStateTests
{
    /// <summary>One device on its own time base, with the lines the test drives into it and a log of what it observes.</summary>
    private sealed class Rig : IDisposable
    {
        public readonly Bench B = new();
        public readonly List<string> Log = new();
        public IStateful Device = null!;
        /// <summary>Lines the test drives into the device: the machine restores them through their owners, the test here.</summary>
        public readonly List<IrqLine> External = new();
        public readonly List<ClockControl> Controls = new();
        public readonly List<IDisposable> Owned = new();
        /// <summary>The wake action of an idle request (the CPU's part of PCON idle).</summary>
        public Action? PendingWake;

        public Scheduler S => B.Scheduler;
        public void Note(string what) => Log.Add($"{S.Now}: {what}");
        public void Watch(IrqLine l) => l.Subscribe(v => Log.Add($"{S.EventTime} {l.Name}={(v ? 1 : 0)}"));
        public void Levels(params IrqLine[] lines) => Note(string.Join(" ", lines.Select(l => $"{l.Name}={(l.Level ? 1 : 0)}")));
        public void Advance(long ticks) => B.At(S.Now + ticks);

        public byte[] Save()
        {
            var ms = new MemoryStream();
            var w = new StateWriter(ms);
            w.Section("device", Device.SaveState);
            w.Section("lines", w =>
            {
                foreach (var l in External) w.Write(l.Level);
                foreach (var c in Controls) { w.Write(c.Num); w.Write(c.Den); }
            });
            w.Section("scheduler", S.SaveState);
            return ms.ToArray();
        }

        /// <summary>In the machine's order: (the CPU: awake unless the state says otherwise), the device, lines and clocks, the queue.</summary>
        public void Load(byte[] data)
        {
            PendingWake = null;
            var r = new StateReader(new MemoryStream(data));
            r.Section("device", Device.LoadState);
            r.Section("lines", r =>
            {
                foreach (var l in External) l.Restore(r.ReadBool());
                foreach (var c in Controls) c.Restore(r.ReadLong(), r.ReadLong());
            });
            r.Section("scheduler", S.LoadState);
        }

        public void Dispose()
        {
            foreach (var d in Owned) d.Dispose();
        }
    }

    /// <summary>
    /// Saves <paramref name="busy"/>'s state, loads it into a fresh rig and into one that ran
    /// <paramref name="otherHistory"/>, runs <paramref name="forward"/> on all three and compares.
    /// </summary>
    private static List<string> Check(Func<Rig> build, Action<Rig> busy, Action<Rig> otherHistory, Action<Rig> forward)
    {
        using var a = build();
        busy(a);
        byte[] saved = a.Save();

        using var b = build();
        b.Load(saved);
        Assert.Equal(saved, b.Save());

        using var c = build();
        otherHistory(c);
        c.Load(saved);
        Assert.Equal(saved, c.Save());

        a.Log.Clear(); b.Log.Clear(); c.Log.Clear();
        forward(a);
        forward(b);
        forward(c);
        Assert.True(a.Log.Count > 20, "the script observes too little");
        AssertSameLog(a.Log, b.Log, "fresh instance");
        AssertSameLog(a.Log, c.Log, "instance that had run");
        return a.Log;
    }

    /// <summary>The script after the save point saw <paramref name="what"/> (the busy state really is busy).</summary>
    private static void Saw(List<string> log, string what) =>
        Assert.True(log.Any(e => e.Contains(what, StringComparison.Ordinal)), $"nothing like '{what}' after the save point");

    private static void AssertSameLog(List<string> expected, List<string> actual, string what)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{what}: entry {i} differs\n  expected: {expected[i]}\n  actual:   {actual[i]}");
        Assert.Equal(expected.Count, actual.Count);
    }

    private static string Regs(IBusDevice d, params uint[] offsets) =>
        string.Join(" ", offsets.Select(o => $"{o:X}={R(d, o):X}"));

    // ---- PL011 ----

    private static Rig Pl011Rig()
    {
        var r = new Rig();
        var u = new Pl011Uart("uart", r.S, r.B.UartClk);
        u.TxSink = d => r.Note($"tx {d:X2}");
        u.FrameTransmitted += f => r.Note($"txframe {f}");
        u.FrameReceived += f => r.Note($"rxframe {f}");
        foreach (var l in new[] { u.UartIntr, u.UartRxIntr, u.UartTxIntr, u.UartRtIntr, u.UartEIntr, u.UartMsIntr }) r.Watch(l);
        r.Device = u;
        return r;
    }

    private static void Pl011Busy(Rig r, int variant, long run)
    {
        var u = (Pl011Uart)r.Device;
        W(u, Pl011Uart.UARTIBRD, 1 + (uint)variant);
        W(u, Pl011Uart.UARTFBRD, 5 + (uint)variant);
        W(u, Pl011Uart.UARTLCR_H, Pl011Uart.LCR_H_FEN | (3u << 5) | Pl011Uart.LCR_H_PEN | (variant == 0 ? Pl011Uart.LCR_H_EPS : 0));
        W(u, Pl011Uart.UARTIMSC, 0x7F0u >> variant);
        W(u, Pl011Uart.UARTIFLS, 0x09 + (uint)variant);
        W(u, Pl011Uart.UARTILPR, 0x21);
        W(u, Pl011Uart.UARTDMACR, 5);
        W(u, Pl011Uart.UARTCR, Pl011Uart.CR_UARTEN | Pl011Uart.CR_TXE | Pl011Uart.CR_RXE | (variant == 0 ? 0 : Pl011Uart.CR_LBE));
        for (int i = 0; i < 6; i++) W(u, Pl011Uart.UARTDR, 0x30u + (uint)(i + variant));
        u.EnqueueHostInput(Encoding.ASCII.GetBytes(variant == 0 ? "checkpoint-abcdefghij" : "xyz"));
        u.EnqueueHostInput(0x00, UartRxErrors.Break | UartRxErrors.Framing);
        u.EnqueueHostInput(0x5A, UartRxErrors.Parity);
        r.Advance(run - 100);
        W(u, Pl011Uart.UARTDR, 0x7E);
        W(u, Pl011Uart.UARTDR, 0x7F);
        if (variant == 0 && run > 3000) R(u, Pl011Uart.UARTDR); // one character read: the ring's head moves
        r.Advance(100);
    }

    private static void Pl011Forward(Rig r)
    {
        var u = (Pl011Uart)r.Device;
        r.Levels(u.UartIntr, u.UartRxIntr, u.UartTxIntr, u.UartRtIntr, u.UartEIntr, u.UartMsIntr);
        for (int i = 0; i < 130; i++)
        {
            r.Advance(97);
            r.Note(Regs(u, Pl011Uart.UARTFR, Pl011Uart.UARTRIS, Pl011Uart.UARTMIS, Pl011Uart.UARTRSR, Pl011Uart.UARTLCR_H,
                Pl011Uart.UARTCR, Pl011Uart.UARTIBRD, Pl011Uart.UARTFBRD, Pl011Uart.UARTIFLS, Pl011Uart.UARTIMSC,
                Pl011Uart.UARTDMACR, Pl011Uart.UARTILPR) + $" tx={u.TxFifoLevel} rx={u.RxFifoLevel} host={u.HostInputPending} busy={u.IsTransmitting} div={u.Divisor64}");
            if (i % 4 == 1) r.Note($"DR={R(u, Pl011Uart.UARTDR):X}");
            if (i == 30) { W(u, Pl011Uart.UARTDR, 0x55); W(u, Pl011Uart.UARTDR, 0xAA); }
            if (i == 50) W(u, Pl011Uart.UARTICR, 0x7FF);
            if (i == 60) W(u, Pl011Uart.UARTECR, 0);
            if (i == 70) u.EnqueueHostInput([1, 2, 3]);
            if (i == 80) W(u, Pl011Uart.UARTIMSC, 0x7FF);
        }
    }

    [Theory]
    [InlineData(500)]
    [InlineData(3100)]
    [InlineData(7000)]
    [InlineData(9500)]
    public void Pl011ResumesIdentically(long run)
    {
        var log = Check(Pl011Rig, r => Pl011Busy(r, 0, run), r => { Pl011Busy(r, 1, run + 1234); Pl011Forward(r); }, Pl011Forward);
        Saw(log, ": tx 7F");
        Saw(log, ": rxframe");
        Saw(log, "uart.UARTINTR=");
    }

    // ---- SP804 ----

    private static Rig Sp804Rig()
    {
        var r = new Rig();
        var t = new Sp804Timer("timer", r.S, r.B.TimClk, refClk: ClockDomain.OnTimeBase("REFCLK", Sp804Timer.DefaultRefClkHz, Bench.TicksPerSecond));
        r.Watch(t.TimInt1);
        r.Watch(t.TimInt2);
        r.Watch(t.TimIntC);
        r.Device = t;
        return r;
    }

    private static void Sp804Busy(Rig r, int variant, long run, bool loadAtSave)
    {
        var t = (Sp804Timer)r.Device;
        const uint T2 = Sp804Timer.Timer2Offset;
        W(t, Sp804Timer.TimerXLoad, 20 + (uint)variant);
        W(t, Sp804Timer.TimerXControl, Sp804Timer.TimerEn | Sp804Timer.TimerMode | Sp804Timer.IntEnable | Sp804Timer.TimerSize);
        t.SelectClock(2, timClk: variant != 0); // the saved state counts Timer2 on REFCLK
        W(t, T2 + Sp804Timer.TimerXLoad, 7);
        W(t, T2 + Sp804Timer.TimerXControl, Sp804Timer.TimerEn | Sp804Timer.OneShot | Sp804Timer.IntEnable | (variant == 0 ? 0 : Sp804Timer.TimerSize) | (1u << 2));
        r.Advance(run);
        W(t, T2 + Sp804Timer.TimerXBGLoad, 5 + (uint)variant);
        if (loadAtSave) W(t, Sp804Timer.TimerXLoad, 33 + (uint)variant); // takes effect at the next TIMCLK edge
    }

    private static void Sp804Forward(Rig r)
    {
        var t = (Sp804Timer)r.Device;
        const uint T2 = Sp804Timer.Timer2Offset;
        r.Levels(t.TimInt1, t.TimInt2, t.TimIntC);
        uint[] regs = [Sp804Timer.TimerXLoad, Sp804Timer.TimerXValue, Sp804Timer.TimerXControl, Sp804Timer.TimerXRIS, Sp804Timer.TimerXMIS, Sp804Timer.TimerXBGLoad];
        for (int i = 0; i < 120; i++)
        {
            r.Advance(29);
            r.Note(Regs(t, regs) + " | " + Regs(t, regs.Select(o => o + T2).ToArray()) + " | " + Regs(t, Sp804Timer.TimerITCR));
            if (i == 20) W(t, Sp804Timer.TimerXIntClr, 1);
            if (i == 40) W(t, T2 + Sp804Timer.TimerXControl, Sp804Timer.TimerEn | Sp804Timer.TimerMode | Sp804Timer.IntEnable);
            if (i == 60) { W(t, Sp804Timer.TimerITCR, 1); W(t, Sp804Timer.TimerITOP, 2); }
            if (i == 70) W(t, Sp804Timer.TimerITCR, 0);
            if (i == 90) W(t, T2 + Sp804Timer.TimerXIntClr, 1);
        }
    }

    [Theory]
    [InlineData(300, false)]
    [InlineData(1000, true)]
    [InlineData(2222, false)]
    public void Sp804ResumesIdentically(long run, bool loadAtSave) =>
        Saw(Check(Sp804Rig, r => Sp804Busy(r, 0, run, loadAtSave), r => { Sp804Busy(r, 1, run + 999, !loadAtSave); Sp804Forward(r); W((IBusDevice)r.Device, Sp804Timer.TimerITCR, 1); }, Sp804Forward), "timer.TIMINT1=1");

    // ---- PL190 ----

    private static readonly int[] VicSources = [2, 5, 9, 20];

    private static Rig VicRig()
    {
        var r = new Rig();
        var v = new Pl190Vic("vic");
        foreach (int n in VicSources)
        {
            var line = new IrqLine("src" + n);
            r.External.Add(line);
            v.ConnectSource(n, line);
        }
        r.Watch(v.Irq);
        r.Watch(v.Fiq);
        r.Device = v;
        return r;
    }

    private static IrqLine Src(Rig r, int n) => r.External[Array.IndexOf(VicSources, n)];

    private static void VicBusy(Rig r, int variant)
    {
        var v = (Pl190Vic)r.Device;
        W(v, Pl190Vic.VICVectAddr0, 0x100 + (uint)variant);
        W(v, Pl190Vic.VICVectCntl0, Pl190Vic.VectCntlE | 5);
        W(v, Pl190Vic.VICVectAddr0 + 4, 0x200);
        W(v, Pl190Vic.VICVectCntl0 + 4, Pl190Vic.VectCntlE | 9);
        W(v, Pl190Vic.VICVectAddr0 + 8, 0x300);
        W(v, Pl190Vic.VICVectCntl0 + 8, Pl190Vic.VectCntlE | (variant == 0 ? 30u : 2u));
        W(v, Pl190Vic.VICDefVectAddr, 0xDEF0 + (uint)variant);
        W(v, Pl190Vic.VICIntSelect, 1u << 20);
        W(v, Pl190Vic.VICIntEnable, (1u << 2) | (1u << 5) | (1u << 9) | (1u << 20) | (1u << 30));
        Src(r, variant == 0 ? 9 : 2).Set(true);
        r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"); // level 1 in service
        Src(r, 5).Set(true);
        r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"); // level 0 nests over it
        if (variant == 0) Src(r, 2).Set(true);
        W(v, Pl190Vic.VICSoftInt, 1u << (variant == 0 ? 30 : 31));
        if (variant != 0) { W(v, Pl190Vic.VICITCR, 1); W(v, Pl190Vic.VICITOP1, Pl190Vic.ITOP1_F); W(v, Pl190Vic.VICProtection, 1); }
    }

    private static void VicForward(Rig r)
    {
        var v = (Pl190Vic)r.Device;
        r.Levels(v.Irq, v.Fiq);
        void Dump() => r.Note(Regs(v, Pl190Vic.VICIRQStatus, Pl190Vic.VICFIQStatus, Pl190Vic.VICRawIntr, Pl190Vic.VICIntSelect,
            Pl190Vic.VICIntEnable, Pl190Vic.VICSoftInt, Pl190Vic.VICProtection, Pl190Vic.VICDefVectAddr, Pl190Vic.VICITCR,
            Pl190Vic.VICITOP1, Pl190Vic.VICITOP2, Pl190Vic.VICVectAddr0, Pl190Vic.VICVectAddr0 + 8, Pl190Vic.VICVectCntl0 + 8)
            + $" prio={v.CurrentPriority}");
        Action[] steps =
        [
            () => W(v, Pl190Vic.VICVectAddr, 0),
            () => r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"),
            () => Src(r, 5).Set(false),
            () => W(v, Pl190Vic.VICVectAddr, 0),
            () => r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"),
            () => Src(r, 20).Set(true),
            () => W(v, Pl190Vic.VICSoftIntClear, 1u << 30),
            () => Src(r, 9).Set(false),
            () => W(v, Pl190Vic.VICVectAddr, 0),
            () => r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"),
            () => W(v, Pl190Vic.VICIntEnClear, 1u << 20),
            () => W(v, Pl190Vic.VICITCR, 1),
            () => W(v, Pl190Vic.VICITOP1, Pl190Vic.ITOP1_I),
            () => W(v, Pl190Vic.VICITCR, 0),
            () => Src(r, 2).Set(false),
            () => W(v, Pl190Vic.VICVectAddr, 0),
            () => W(v, Pl190Vic.VICVectAddr, 0),
            () => Src(r, 2).Set(true),
            () => r.Note($"vect {R(v, Pl190Vic.VICVectAddr):X}"),
        ];
        foreach (var step in steps)
        {
            Dump();
            step();
            r.Advance(3);
        }
        Dump();
    }

    [Fact]
    public void Pl190ResumesIdentically() =>
        Check(VicRig, r => VicBusy(r, 0), r => { VicBusy(r, 1); r.Advance(50); }, VicForward);

    // ---- LPC2000 UART ----

    private static Rig LpcUartRig()
    {
        var r = new Rig();
        var pclk = new ClockDomain("PCLK", 24_000_000, 2);
        var u = new Lpc2000Uart("uart", r.S, pclk, modem: true);
        u.TxSink = d => r.Note($"tx {d:X2}");
        foreach (string pin in new[] { "RXD", "CTS", "DSR", "RI", "DCD" })
        {
            var line = new IrqLine("ext." + pin);
            line.Set(true);
            r.External.Add(line);
            Lpc2000Uart.Type.ConnectInput(u, pin, line);
        }
        r.Watch(u.Txd);
        r.Watch(u.Int);
        r.Watch(u.Rts);
        r.Watch(u.Dtr);
        r.Device = u;
        return r;
    }

    private static void LpcUartBusy(Rig r, int variant, long run, bool loop)
    {
        var u = (Lpc2000Uart)r.Device;
        W(u, Lpc2000Uart.UnLCR, Lpc2000Uart.LCR_DLAB);
        W(u, Lpc2000Uart.UnDLL, 2 + (uint)variant);
        W(u, Lpc2000Uart.UnDLM, 0);
        W(u, Lpc2000Uart.UnLCR, variant == 0 ? 0x1Bu : 0x03u); // 8 bits, even parity (variant 0)
        W(u, Lpc2000Uart.UnFCR, 0x87);
        W(u, Lpc2000Uart.UnIER, 0x0F);
        W(u, Lpc2000Uart.UnMCR, Lpc2000Uart.MCR_DTR | Lpc2000Uart.MCR_RTS | (loop ? Lpc2000Uart.MCR_LOOP : 0));
        W(u, Lpc2000Uart.UnSCR, 0x5A + (uint)variant);
        for (int i = 0; i < 5; i++) W(u, Lpc2000Uart.UnTHR, 0x41u + (uint)(i * (variant + 1)));
        u.EnqueueHostInput(Encoding.ASCII.GetBytes(variant == 0 ? "host bytes on RXD" : "q"));
        r.Advance(run / 2);
        r.External[1].Set(variant != 0); // CTS active (low)
        if (variant != 0) r.External[0].Set(false);
        r.Advance(run - run / 2);
        W(u, Lpc2000Uart.UnTHR, 0x7E);
    }

    private static void LpcUartForward(Rig r)
    {
        var u = (Lpc2000Uart)r.Device;
        r.Levels(u.Txd, u.Int, u.Rts, u.Dtr);
        for (int i = 0; i < 140; i++)
        {
            r.Advance(53);
            r.Note(Regs(u, Lpc2000Uart.UnLSR, Lpc2000Uart.UnIIR, Lpc2000Uart.UnMSR, Lpc2000Uart.UnLCR, Lpc2000Uart.UnSCR,
                Lpc2000Uart.UnIER, Lpc2000Uart.UnMCR) + $" tx={u.TxFifoLevel} rx={u.RxFifoLevel} host={u.HostInputPending} busy={u.IsTransmitting} div={u.Divisor}");
            if (i % 3 == 0) r.Note($"RBR={R(u, Lpc2000Uart.UnRBR):X}");
            if (i == 20) { W(u, Lpc2000Uart.UnTHR, 0x55); W(u, Lpc2000Uart.UnTHR, 0xAA); }
            if (i == 40) r.External[1].Set(false);
            if (i == 45) r.External[2].Set(false);
            if (i == 50) r.External[0].Set(false);
            if (i == 75) r.External[0].Set(true);
            if (i == 80) W(u, Lpc2000Uart.UnFCR, 0x47);
            if (i == 90) u.EnqueueHostInput([0x31, 0x32]);
            if (i == 100) { W(u, Lpc2000Uart.UnLCR, 0x43); W(u, Lpc2000Uart.UnTHR, 0x12); }
            if (i == 105) W(u, Lpc2000Uart.UnLCR, 0x03);
        }
    }

    [Theory]
    [InlineData(300, false)]
    [InlineData(2500, false)]
    [InlineData(6100, false)]
    [InlineData(1700, true)]
    [InlineData(4000, true)]
    public void Lpc2000UartResumesIdentically(long run, bool loop)
    {
        var log = Check(LpcUartRig, r => LpcUartBusy(r, 0, run, loop), r => { LpcUartBusy(r, 1, run + 777, !loop); LpcUartForward(r); r.External[0].Set(false); r.External[3].Set(false); r.Advance(100); }, LpcUartForward);
        Saw(log, loop ? "RBR=7E" : ": tx 7E");
        Saw(log, "uart.INT=");
        if (!loop) Saw(log, "uart.TXD=0");
    }

    // ---- LPC2000 timer ----

    private static Rig LpcTimerRig()
    {
        var r = new Rig();
        var t = new Lpc2000Timer("timer", r.S, new ClockDomain("PCLK", 24_000_000, 2));
        var cap = new IrqLine("ext.CAP");
        r.External.Add(cap);
        t.ConnectCapture(0, cap);
        t.ConnectCapture(1, cap);
        r.Watch(t.Int);
        for (int i = 0; i < 4; i++) r.Watch(t.Mat(i));
        r.Device = t;
        return r;
    }

    private static void LpcTimerBusy(Rig r, int variant, long run)
    {
        var t = (Lpc2000Timer)r.Device;
        W(t, Lpc2000Timer.PR, 2 + (uint)variant);
        W(t, Lpc2000Timer.MR0, 10 + (uint)variant);
        W(t, Lpc2000Timer.MR1, 4);
        W(t, Lpc2000Timer.MR2, 7);
        W(t, Lpc2000Timer.MR3, 500);
        W(t, Lpc2000Timer.MCR, Lpc2000Timer.MR0I | Lpc2000Timer.MR0R | (Lpc2000Timer.MR0I << 3) | (Lpc2000Timer.MR0S << 9));
        W(t, Lpc2000Timer.EMR, (3u << 4) | (3u << 8) | (variant == 0 ? 2u : 0u));
        W(t, Lpc2000Timer.CCR, Lpc2000Timer.CAP0RE | Lpc2000Timer.CAP0I | (Lpc2000Timer.CAP0FE << 3));
        W(t, Lpc2000Timer.TCR, Lpc2000Timer.CounterEnable);
        r.Advance(run / 3);
        r.External[0].Set(true);
        r.Advance(run - run / 3);
        if (variant != 0) r.External[0].Set(false);
    }

    private static void LpcTimerForward(Rig r)
    {
        var t = (Lpc2000Timer)r.Device;
        r.Levels(t.Int, t.Mat(0), t.Mat(1), t.Mat(2), t.Mat(3));
        for (int i = 0; i < 160; i++)
        {
            r.Advance(7);
            r.Note(Regs(t, Lpc2000Timer.IR, Lpc2000Timer.TCR, Lpc2000Timer.TC, Lpc2000Timer.PR, Lpc2000Timer.PC, Lpc2000Timer.MCR,
                Lpc2000Timer.MR0, Lpc2000Timer.MR3, Lpc2000Timer.CCR, Lpc2000Timer.CR0, Lpc2000Timer.CR1, Lpc2000Timer.EMR));
            if (i == 30) W(t, Lpc2000Timer.IR, 0xFF);
            if (i == 50) r.External[0].Set(false);
            if (i == 60) r.External[0].Set(true);
            if (i == 80) W(t, Lpc2000Timer.TCR, 3);
            if (i == 85) W(t, Lpc2000Timer.TCR, 1);
            if (i == 100) { W(t, Lpc2000Timer.MR3, 3); W(t, Lpc2000Timer.MCR, R(t, Lpc2000Timer.MCR) | (Lpc2000Timer.MR0S << 9)); }
            if (i == 130) W(t, Lpc2000Timer.TCR, 1);
        }
    }

    [Theory]
    [InlineData(133)]
    [InlineData(397)]
    [InlineData(530)]
    [InlineData(1001)]
    [InlineData(1066)]
    public void Lpc2000TimerResumesIdentically(long run)
    {
        var log = Check(LpcTimerRig, r => LpcTimerBusy(r, 0, run), r => { LpcTimerBusy(r, 1, run + 321); LpcTimerForward(r); }, LpcTimerForward);
        Saw(log, "timer.INT=1");
        Saw(log, "timer.MAT2=");
    }

    // ---- LPC2000 PWM ----

    private static Rig LpcPwmRig()
    {
        var r = new Rig();
        var p = new Lpc2000Pwm("pwm", r.S, new ClockDomain("PCLK", 24_000_000, 2));
        r.Watch(p.Int);
        for (int n = 1; n <= 6; n++) r.Watch(p.Pwm(n));
        r.Device = p;
        return r;
    }

    private static void LpcPwmBusy(Rig r, int variant, long run)
    {
        var p = (Lpc2000Pwm)r.Device;
        W(p, Lpc2000Pwm.PR, 1 + (uint)variant);
        W(p, Lpc2000Pwm.MR0, 12 + (uint)variant);
        W(p, Lpc2000Pwm.MR1, 3);
        W(p, Lpc2000Pwm.MR2, 9);
        W(p, Lpc2000Pwm.MR4, 5);
        W(p, Lpc2000Pwm.MCR, Lpc2000Pwm.MR0I | Lpc2000Pwm.MR0R | (Lpc2000Pwm.MR0I << 12));
        W(p, Lpc2000Pwm.PCR, (1u << 2) | (0x7Eu << Lpc2000Pwm.EnaShift));
        W(p, Lpc2000Pwm.TCR, Lpc2000Pwm.CounterEnable | Lpc2000Pwm.PwmEnable);
        r.Advance(run / 2);
        W(p, Lpc2000Pwm.MR2, 7 - (uint)variant);
        W(p, Lpc2000Pwm.LER, 4);
        r.Advance(run - run / 2);
    }

    private static void LpcPwmForward(Rig r)
    {
        var p = (Lpc2000Pwm)r.Device;
        r.Levels(p.Int, p.Pwm(1), p.Pwm(2), p.Pwm(4));
        for (int i = 0; i < 160; i++)
        {
            r.Advance(7);
            r.Note(Regs(p, Lpc2000Pwm.IR, Lpc2000Pwm.TCR, Lpc2000Pwm.TC, Lpc2000Pwm.PC, Lpc2000Pwm.MR2, Lpc2000Pwm.LER));
            if (i == 30) W(p, Lpc2000Pwm.IR, 0x70F);
            if (i == 50) { W(p, Lpc2000Pwm.MR1, 0); W(p, Lpc2000Pwm.LER, 2); }
            if (i == 80) W(p, Lpc2000Pwm.TCR, 3);
            if (i == 85) W(p, Lpc2000Pwm.TCR, 9);
            if (i == 120) W(p, Lpc2000Pwm.MCR, Lpc2000Pwm.MR0S << 6);
        }
    }

    [Theory]
    [InlineData(133)]
    [InlineData(397)]
    [InlineData(1001)]
    public void Lpc2000PwmResumesIdentically(long run)
    {
        var log = Check(LpcPwmRig, r => LpcPwmBusy(r, 0, run), r => { LpcPwmBusy(r, 1, run + 321); LpcPwmForward(r); }, LpcPwmForward);
        Saw(log, "pwm.INT=1");
        Saw(log, "pwm.PWM2=");
    }

    // ---- LPC2000 RTC ----

    private static Rig LpcRtcRig()
    {
        var r = new Rig();
        var t = new Lpc2000Rtc("rtc", r.S, new ClockDomain("PCLK", 24_000_000, 2));
        r.Watch(t.Int);
        r.Device = t;
        return r;
    }

    private static void LpcRtcBusy(Rig r, int variant, long run)
    {
        var t = (Lpc2000Rtc)r.Device;
        W(t, Lpc2000Rtc.PREINT, 1 + (uint)variant);
        W(t, Lpc2000Rtc.PREFRAC, 0x4001);
        W(t, Lpc2000Rtc.SEC, 55 + (uint)variant);
        W(t, Lpc2000Rtc.CIIR, 1);
        W(t, Lpc2000Rtc.ALSEC, 58);
        W(t, Lpc2000Rtc.AMR, 0xFE);
        W(t, Lpc2000Rtc.CCR, Lpc2000Rtc.CLKEN);
        r.Advance(run);
    }

    private static void LpcRtcForward(Rig r)
    {
        var t = (Lpc2000Rtc)r.Device;
        r.Levels(t.Int);
        for (int i = 0; i < 100; i++)
        {
            r.Advance(7919);
            r.Note(Regs(t, Lpc2000Rtc.ILR, Lpc2000Rtc.CTC, Lpc2000Rtc.CCR, Lpc2000Rtc.CTIME0, Lpc2000Rtc.PREINT));
            if (i % 10 == 3) W(t, Lpc2000Rtc.ILR, 3);
            if (i == 40) W(t, Lpc2000Rtc.CCR, 0);
            if (i == 45) W(t, Lpc2000Rtc.CCR, Lpc2000Rtc.CLKEN);
            if (i == 60) W(t, Lpc2000Rtc.PREFRAC, 7);
        }
    }

    [Theory]
    [InlineData(133)]
    [InlineData(70_001)]
    [InlineData(300_007)]
    public void Lpc2000RtcResumesIdentically(long run)
    {
        var log = Check(LpcRtcRig, r => LpcRtcBusy(r, 0, run), r => { LpcRtcBusy(r, 1, run + 321); LpcRtcForward(r); }, LpcRtcForward);
        Saw(log, "rtc.INT=1");
    }

    // ---- LPC2000 watchdog ----

    private static Rig WdtRig()
    {
        var r = new Rig();
        var w = new Lpc2000Watchdog("wdt", r.S, new ClockDomain("PCLK", 24_000_000, 2), null, reason => r.Note("reset: " + reason));
        r.Watch(w.Int);
        r.Device = w;
        return r;
    }

    private static void WdtBusy(Rig r, int variant, long run)
    {
        var w = (Lpc2000Watchdog)r.Device;
        W(w, Lpc2000Watchdog.WDTC, 0x100 + 16 * (uint)variant);
        W(w, Lpc2000Watchdog.WDMOD, variant == 0 ? Lpc2000Watchdog.WDEN | Lpc2000Watchdog.WDRESET : Lpc2000Watchdog.WDEN);
        W(w, Lpc2000Watchdog.WDFEED, 0xAA);
        W(w, Lpc2000Watchdog.WDFEED, 0x55);
        r.Advance(run);
        W(w, Lpc2000Watchdog.WDTC, 0x180 + (uint)variant);
        if (variant == 0) W(w, Lpc2000Watchdog.WDFEED, 0xAA); // a feed under way at the save point
    }

    private static void WdtForward(Rig r)
    {
        var w = (Lpc2000Watchdog)r.Device;
        r.Levels(w.Int);
        W(w, Lpc2000Watchdog.WDFEED, 0x55); // completes the feed only if 0xAA was restored
        for (int i = 0; i < 90; i++)
        {
            r.Advance(41);
            r.Note(Regs(w, Lpc2000Watchdog.WDMOD, Lpc2000Watchdog.WDTC, Lpc2000Watchdog.WDTV) + $" tv={w.Wdtv}");
            if (i == 20) { W(w, Lpc2000Watchdog.WDFEED, 0xAA); r.Note($"{R(w, Lpc2000Watchdog.WDMOD):X}"); } // feed error
            if (i == 60) { W(w, Lpc2000Watchdog.WDMOD, 0); W(w, Lpc2000Watchdog.WDMOD, Lpc2000Watchdog.WDEN); }
        }
    }

    [Theory]
    [InlineData(300)]
    [InlineData(1500)]
    public void Lpc2000WatchdogResumesIdentically(long run)
    {
        var log = Check(WdtRig, r => WdtBusy(r, 0, run), r => { WdtBusy(r, 1, run + 555); WdtForward(r); }, WdtForward);
        Saw(log, "reset: ");
    }

    // ---- LPC2106 system control block and MAM ----

    private const uint SramBase = 0x4000_0000;

    private static Rig ScbRig()
    {
        var r = new Rig();
        var bus = new Bus(r.S);
        var flash = new MemoryRegion("flash", 0, 0x20000, RegionKind.Rom, 32, WaitStates.Zero);
        var sram = new MemoryRegion("sram", SramBase, 0x10000, RegionKind.Ram, 32, WaitStates.Zero);
        for (int i = 0; i < 0x20000; i++) flash.AsSpan()[i] = (byte)(i * 7 + (i >> 8));
        for (int i = 0; i < 0x40; i++) sram.AsSpan()[i] = (byte)(0xC0 + i);
        bus.AddRegion(flash);
        bus.AddRegion(sram);
        r.Owned.AddRange([bus, flash, sram]);
        var controls = new Dictionary<string, ClockControl> { ["PLL"] = new("PLL", 1, 1), ["VPBDIV"] = new("VPBDIV", 1, 4) };
        foreach (var c in controls.Values)
        {
            r.Controls.Add(c);
            c.Changed += (c, tick) => r.Note($"{c.Name} = {c.Num}/{c.Den} from {tick}");
        }
        var scb = new Lpc2106SystemControl(new DeviceContext
        {
            Name = "scb",
            Scheduler = r.S,
            Clock = new ClockDomain("FOSC", 12_000_000, 4),
            Parameters = new Dictionary<string, object> { ["flash"] = "flash", ["bootBlock"] = "", ["sram"] = "sram", ["pllLockMicroseconds"] = 20L },
            Bus = bus,
            ClockControls = controls,
            RequestIdle = wake => { r.Note("idle"); r.PendingWake = wake; },
        });
        for (int n = 0; n < 3; n++)
        {
            var pin = new IrqLine("ext.EINT" + n);
            pin.Set(true);
            r.External.Add(pin);
            Lpc2106SystemControl.Type.ConnectInput(scb, "EINT" + n, pin);
        }
        r.Watch(scb.PllLock);
        foreach (string o in new[] { "EINT0", "EINT1", "EINT2" }) r.Watch(Lpc2106SystemControl.Type.Output(scb, o));
        r.Device = scb;
        return r;
    }

    private static string MamAccess(Lpc2106SystemControl scb, uint address, AccessFlags flags)
    {
        bool abort = false;
        uint v = scb.Mam.Read(address, 4, flags, ref abort, out int clocks);
        return $"[{address:X}:{flags}] {v:X8}/{clocks}/{scb.Mam.FlashReads}";
    }

    private static void ScbBusy(Rig r, int variant, long run, bool idle)
    {
        var scb = (Lpc2106SystemControl)r.Device;
        const AccessFlags Seq = AccessFlags.Code | AccessFlags.Seq;
        W(scb, Lpc2106SystemControl.MAMTIM, 3 + (uint)variant);
        W(scb, Lpc2106SystemControl.MAMCR, 2 - (uint)variant);
        W(scb, Lpc2106SystemControl.MEMMAP, variant == 0 ? 2u : 0u);
        W(scb, Lpc2106SystemControl.PLLCFG, variant == 0 ? 0x23u : 0x24u);
        W(scb, Lpc2106SystemControl.PLLCON, 1);
        W(scb, Lpc2106SystemControl.PLLFEED, 0xAA);
        W(scb, Lpc2106SystemControl.PLLFEED, 0x55);
        W(scb, Lpc2106SystemControl.EXTMODE, variant == 0 ? 1u : 0u); // EINT0 edge-sensitive, EINT1/2 level
        W(scb, Lpc2106SystemControl.EXTPOLAR, variant == 0 ? 4u : 0u);
        W(scb, Lpc2106SystemControl.EXTWAKE, 3);
        W(scb, Lpc2106SystemControl.VPBDIV, variant == 0 ? 2u : 1u);
        W(scb, Lpc2106SystemControl.PCONP, 0x3BE);
        r.External[1].Set(false); // EINT1 active (low): level flag
        if (variant != 0) r.External[0].Set(false);
        r.Note(MamAccess(scb, 0x100, AccessFlags.Code));
        r.Advance(5);
        r.Note(MamAccess(scb, 0x110, Seq));
        r.Note(MamAccess(scb, 0x800 + 0x100 * (uint)variant, AccessFlags.None));
        r.Advance(1);
        r.Note(MamAccess(scb, 0x2000, AccessFlags.Code));
        r.Advance(run);
        r.Note(MamAccess(scb, 0x2010, Seq)); // leaves a prefetch of 0x2020 under way
        W(scb, Lpc2106SystemControl.PLLCON, 3);
        W(scb, Lpc2106SystemControl.PLLFEED, 0xAA); // feed under way at the save point
        if (idle) { W(scb, Lpc2106SystemControl.PCON, Lpc2106SystemControl.PCON_IDL); W(scb, Lpc2106SystemControl.PLLFEED, 0xAA); }
    }

    private static void ScbForward(Rig r)
    {
        var scb = (Lpc2106SystemControl)r.Device;
        var lines = new List<IrqLine> { scb.PllLock };
        foreach (string o in new[] { "EINT0", "EINT1", "EINT2" }) lines.Add(Lpc2106SystemControl.Type.Output(scb, o));
        r.Levels(lines.ToArray());
        r.Note($"PLL {r.Controls[0].Num}/{r.Controls[0].Den} VPB {r.Controls[1].Num}/{r.Controls[1].Den} cclk={scb.CclkHz} map={scb.MemoryMap}");
        W(scb, Lpc2106SystemControl.PLLFEED, 0x55); // a valid feed only if the 0xAA was restored
        uint[] regs = [Lpc2106SystemControl.MAMCR, Lpc2106SystemControl.MAMTIM, Lpc2106SystemControl.MEMMAP, Lpc2106SystemControl.PLLCON,
            Lpc2106SystemControl.PLLCFG, Lpc2106SystemControl.PLLSTAT, Lpc2106SystemControl.PCON, Lpc2106SystemControl.PCONP,
            Lpc2106SystemControl.VPBDIV, Lpc2106SystemControl.EXTINT, Lpc2106SystemControl.EXTWAKE, Lpc2106SystemControl.EXTMODE,
            Lpc2106SystemControl.EXTPOLAR];
        const AccessFlags Seq = AccessFlags.Code | AccessFlags.Seq;
        for (int i = 0; i < 40; i++)
        {
            r.Note(MamAccess(scb, 0x2020 + 0x10 * (uint)(i % 3), i % 3 == 0 ? Seq : AccessFlags.Code));
            r.Note(MamAccess(scb, 0x800, AccessFlags.None));
            r.Note(MamAccess(scb, 0x10, Seq));
            r.Note(MamAccess(scb, 0x100, AccessFlags.Code));
            r.Advance(i % 5 == 0 ? 2 : 50);
            r.Note(Regs(scb, regs) + $" cclk={scb.CclkHz}");
            if (i == 3 && r.PendingWake is { } wake) { r.PendingWake = null; r.Note("wake"); wake(); }
            if (i == 10) r.External[0].Set(false);
            if (i == 12) W(scb, Lpc2106SystemControl.EXTINT, 7);
            if (i == 15) r.External[1].Set(true);
            if (i == 16) W(scb, Lpc2106SystemControl.EXTINT, 7);
            if (i == 18) r.External[0].Set(true);
            if (i == 20) W(scb, Lpc2106SystemControl.MEMMAP, 1);
            if (i == 25) W(scb, Lpc2106SystemControl.MAMCR, 1);
        }
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(300, true)]
    [InlineData(2000, false)]
    [InlineData(2000, true)]
    public void Lpc2106SystemControlResumesIdentically(long run, bool idle)
    {
        var log = Check(ScbRig, r => ScbBusy(r, 0, run, idle), r => { ScbBusy(r, 1, run + 1500, !idle); ScbForward(r); }, ScbForward);
        Saw(log, "scb.PLOCK=1");
        Saw(log, "PLL = 4/1");
        if (idle) Saw(log, ": wake");
    }

    [Fact]
    public void Lpc2106SystemControlAsksForIdleAgainWhenLoadedIdle()
    {
        using var a = ScbRig();
        ScbBusy(a, 0, 100, idle: true);
        using var b = ScbRig();
        b.Load(a.Save());
        Assert.NotNull(b.PendingWake);
        b.PendingWake!();
        Assert.Equal(0u, R((IBusDevice)b.Device, Lpc2106SystemControl.PCON));
        using var c = ScbRig();
        c.Load(b.Save()); // PCON 0: no idle request
        Assert.Null(c.PendingWake);
    }

    // ---- LPC2106 pins ----

    private static Rig PinsRig()
    {
        var r = new Rig();
        var p = new Lpc2106Pins("pins", r.S);
        var pad5 = new IrqLine("ext.P0_5");
        var txd0 = new IrqLine("ext.TXD0");
        var mat = new IrqLine("ext.MAT0_0");
        foreach (var l in new[] { pad5, txd0, mat }) { l.Set(true); r.External.Add(l); }
        p.ConnectPad(5, pad5);
        p.ConnectFunction("TXD0", txd0);
        p.ConnectFunction("MAT0_0", mat);
        for (int n = 0; n < 8; n++) r.Watch(p.Pad(n));
        r.Watch(p.FunctionInput("RXD0"));
        r.Watch(p.FunctionInput("EINT1"));
        r.Watch(p.FunctionInput("SDA"));
        r.Device = p;
        return r;
    }

    private static void PinsBusy(Rig r, int variant)
    {
        var p = (Lpc2106Pins)r.Device;
        // P0.0 TXD0, P0.1 RXD0, P0.3 MAT0_0 (SDA's pad, open drain), P0.14 EINT1.
        W(p, Lpc2106Pins.PINSEL0, variant == 0 ? (1u << 0) | (1u << 2) | (2u << 6) | (2u << 28) : 0);
        W(p, Lpc2106Pins.PINSEL1, (uint)variant);
        W(p, Lpc2106Pins.IODIR, 0xF4u | (uint)variant);
        W(p, Lpc2106Pins.IOSET, 0x34);
        W(p, Lpc2106Pins.IOCLR, 0x10);
        if (variant == 0) { p.DrivePad(7, false); p.DrivePad(6, true); p.DrivePad(1, false); }
        else p.DrivePad(2, false);
        r.External[0].Set(variant != 0);
        r.External[1].Set(false);
    }

    private static void PinsForward(Rig r)
    {
        var p = (Lpc2106Pins)r.Device;
        var lines = Enumerable.Range(0, 8).Select(p.Pad).Concat([p.FunctionInput("RXD0"), p.FunctionInput("EINT1"), p.FunctionInput("SDA")]).ToArray();
        r.Levels(lines);
        Action[] steps =
        [
            () => W(p, Lpc2106Pins.IOSET, 0x80),
            () => p.ReleasePad(7),
            () => r.External[0].Set(true),
            () => r.External[1].Set(true),
            () => W(p, Lpc2106Pins.IODIR, 0x0F),
            () => r.External[2].Set(false),
            () => p.ReleasePad(1),
            () => W(p, Lpc2106Pins.IOCLR, 0xFF),
            () => W(p, Lpc2106Pins.PINSEL0, 0),
            () => p.DrivePad(14, false),
            () => W(p, Lpc2106Pins.PINSEL0, 2u << 28),
            () => W(p, Lpc2106Pins.IOPIN, 0x55),
        ];
        foreach (var step in steps)
        {
            r.Note(Regs(p, Lpc2106Pins.IOPIN, Lpc2106Pins.IOSET, Lpc2106Pins.IODIR, Lpc2106Pins.PINSEL0, Lpc2106Pins.PINSEL1) + $" pads={p.PadLevels:X8}");
            step();
            r.Advance(1);
        }
        r.Note(Regs(p, Lpc2106Pins.IOPIN, Lpc2106Pins.IOSET, Lpc2106Pins.IODIR));
    }

    [Fact]
    public void Lpc2106PinsResumeIdentically() =>
        Check(PinsRig, r => PinsBusy(r, 0), r => { PinsBusy(r, 1); PinsForward(r); }, PinsForward);

    // ---- unmodelled ----

    [Fact]
    public void UnmodelledSavesNothingAndStillReadsZero()
    {
        var warnings = new List<string>();
        var u = new Unmodelled("pwm", "PWM", warnings.Add);
        var ms = new MemoryStream();
        u.SaveState(new StateWriter(ms));
        Assert.Equal(0, ms.Length);
        u.LoadState(new StateReader(new MemoryStream()));
        Assert.Equal(0u, R(u, 0x10));
    }

    // ---- corrupted state ----

    [Fact]
    public void A_state_of_another_device_is_refused_with_a_state_exception()
    {
        using var a = Sp804Rig();
        byte[] saved = a.Save();
        using var b = Pl011Rig();
        Assert.Throws<StateException>(() => b.Load(saved));
    }
}
