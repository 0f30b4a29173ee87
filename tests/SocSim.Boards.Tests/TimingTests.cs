using SocSim.Arm;
using SocSim.Core;
using SocSim.Peripherals;
using Xunit.Abstractions;

namespace SocSim.Boards.Tests;

/// <summary>
/// Timing of the default board checked against the datasheets: the SP804's first interrupt and the
/// ARM7TDMI's IRQ entry for firmware/elf/timer_irq.elf, and the PL011's frame timing for hello.elf.
/// Every number is derived in the comments from the firmware source, the board file and the TRMs.
/// </summary>
public sealed class TimingTests(ITestOutputHelper output)
{
    private static string Fw(string name) => Path.Combine(TestFiles.RepoRoot, "firmware", "elf", name + ".elf");
    private static string VersatilePb => Path.Combine(TestFiles.BoardsDir, "versatilepb.json");

    // Board (boards/versatilepb.json): CPUCLK 50 MHz, UARTCLK 24 MHz, TIMCLK 1 MHz. The global tick is
    // 1/lcm = 1/600 MHz, so a CPU cycle is 12 ticks, a UARTCLK period 25 ticks, a TIMCLK period 600 ticks.
    private const long TicksPerCpuCycle = 12, TicksPerUartClk = 25, TicksPerTimClk = 600;

    // firmware/src/timer_irq.c: TimerXLoad = PERIOD_US * (TIMCLK_HZ / 1000000) - 1 = 999, then
    // TimerXControl = TimerEn | Periodic | IntEnable | TimerSize(32-bit) | Prescale1 = 0x80|0x40|0x20|0x02 = 0xE2.
    private const uint Load = 999;
    private const uint ControlValue = 0xE2;
    private const uint Timer0Control = 0x101E2008;

    // timer_irq.elf (arm-none-eabi-objdump -d): the vector at 0x18 is `ldr pc, [pc, #24]`, loading
    // the literal at 0x38 = irq_handler = 0x284.
    private const uint IrqVector = 0x18;

    private sealed class Recorder : IBusObserver
    {
        public readonly List<BusCycle> Cycles = new();
        public bool Enabled = true;
        public void OnBusCycle(in BusCycle c) { if (Enabled) Cycles.Add(c); }
    }

    [Fact]
    public void FirstTimerInterruptAndIrqEntryAreCycleExact()
    {
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("timer_irq"));
        uint irqHandler = m.Symbol("irq_handler");
        Assert.Equal(0x284u, irqHandler);
        Assert.Equal(irqHandler, m.Bus.DebugRead32(0x38));
        Assert.Equal(0xE59FF018u, m.Bus.DebugRead32(IrqVector)); // ldr pc, [pc, #24]

        var rec = new Recorder();
        m.Bus.Subscribe(rec);
        var rises = new List<long>();
        var timer = m.Device<Sp804Timer>("timer0");
        timer.TimIntC.Subscribe(level => { if (level) rises.Add(m.Scheduler.Cycles); });
        // Run until just after the first IRQ entry: the banner (57 characters, 16 left in the FIFO when
        // puts0 returns) takes ~41 frames of 4337.5 CPU cycles before the timer is enabled, then 1 ms.
        var r = m.Run(260_000);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        m.Bus.Subscribe(null);

        // 1. The Control write that starts the timer: `str r3, [r5, #8]` at 0x8c with r3 = 0xE2.
        var ctl = Assert.Single(rec.Cycles, c => c.IsWrite && c.Address == Timer0Control && c.Data == ControlValue);
        // The SP804 sees the write at the start of the access (the bus calls the device before it adds
        // the wait states), tick 12·C.
        long c0 = ctl.Cycle;
        output.WriteLine($"TimerXControl = 0xE2 written at cycle {c0} (tick {c0 * TicksPerCpuCycle})");

        // 2. When TIMINT rises. TimerXLoad = 999 was written earlier (timer disabled), so the counter
        // holds 999 when TimerEn is set. SP804 TRM DDI 0271 and the model's documented convention
        // (Sp804Timer.cs remarks): the counter decrements on every TIMCLK edge strictly after the write
        // (edge k at tick 600·k; a write on an edge counts from the next one), and the interrupt is
        // raised at the edge where it reaches 0. So TIMINT rises Load = 999 edges after the last edge at
        // or before the write: edge floor(12·C/600) + 999, i.e. tick (floor(C/50) + 999)·600.
        long writeEdge = c0 * TicksPerCpuCycle / TicksPerTimClk;
        long zeroTick = (writeEdge + Load) * TicksPerTimClk;
        Assert.Equal(0, zeroTick % TicksPerCpuCycle);
        long zeroCycle = zeroTick / TicksPerCpuCycle;
        output.WriteLine($"write edge {writeEdge}; expected TIMINT at tick {zeroTick} = cycle {zeroCycle}");

        // 3. The CPU sees nIRQ at the first instruction boundary at or after the zero cycle (the
        // scheduler ends the running slice there); the VIC is combinational (PL190, nVICIRQ follows its
        // inputs), so TIMINTC -> VIC line 4 -> nIRQ all change at that boundary. The instruction in
        // progress at the zero cycle is from the polling loop at 0x9c-0xb8 (at most an LDR from RAM:
        // 1S + 1N(3) + 1I = 5 cycles), so the boundary is 0 to 4 cycles later.
        long assertCycle = Assert.Single(rises);
        Assert.InRange(assertCycle, zeroCycle, zeroCycle + 4);

        // 4. IRQ entry (ARM7TDMI TRM DDI 0210C 2.8 / 7.x "Exceptions": 2S + 1N): the first cycle fetches
        // at the old pc (S, discarded), then the vector at 0x18 is fetched N, then 0x1C S. RAM has
        // readN = 2, readS = 0 wait states: S = 1 cycle, N = 3 cycles. Entry = 1 + 3 + 1 = 5 cycles.
        int v = rec.Cycles.FindIndex(c => c.IsOpcodeFetch && c.Address == IrqVector);
        Assert.True(v > 0, "the IRQ vector was never fetched");
        var discarded = rec.Cycles[v - 1];
        Assert.Equal(assertCycle, discarded.Cycle);          // the entry starts at the boundary where nIRQ was seen
        Assert.Equal(CycleKind.S, discarded.Kind);
        Assert.Equal(1, discarded.Clocks);
        Expect(rec.Cycles[v], assertCycle + 1, IrqVector, CycleKind.N, 3, code: true);
        Expect(rec.Cycles[v + 1], assertCycle + 4, IrqVector + 4, CycleKind.S, 1, code: true);
        // 5. `ldr pc, [pc, #24]` at 0x18 (TRM 7.x "Load register", destination pc: 1S + 2N + 1I + ... =
        // S fetch of 0x20, N data read of 0x38, I, then the refill N at irq_handler and S at +4).
        Expect(rec.Cycles[v + 2], assertCycle + 5, 0x20, CycleKind.S, 1, code: true);
        Expect(rec.Cycles[v + 3], assertCycle + 6, 0x38, CycleKind.N, 3, code: false);
        Assert.Equal(CycleKind.I, rec.Cycles[v + 4].Kind);
        Assert.Equal(assertCycle + 9, rec.Cycles[v + 4].Cycle);
        Expect(rec.Cycles[v + 5], assertCycle + 10, irqHandler, CycleKind.N, 3, code: true);
        Expect(rec.Cycles[v + 6], assertCycle + 13, irqHandler + 4, CycleKind.S, 1, code: true);
        // irq_handler's first instruction (`sub lr, lr, #4`) executes in the next cycle, 14 cycles
        // after nIRQ was seen; its execute cycle is the S fetch of irq_handler + 8.
        Expect(rec.Cycles[v + 7], assertCycle + 14, irqHandler + 8, CycleKind.S, 1, code: true);

        // Exact numbers for this firmware and board (deterministic).
        // Exact numbers for this firmware and board (deterministic): the write at cycle 174 487 is tick
        // 2 093 844, after TIMCLK edge 3489 (tick 2 093 400); TIMINT at edge 3489 + 999 = 4488 = tick
        // 2 692 800 = cycle 224 400. That cycle falls inside a polling-loop instruction that ends at
        // 224 403: nIRQ is seen at that boundary, the vector is fetched at 224 404 and irq_handler
        // executes at 224 417.
        Assert.Equal(174_487L, c0);
        Assert.Equal(3_489L, writeEdge);
        Assert.Equal(2_692_800L, zeroTick);
        Assert.Equal(224_400L, zeroCycle);
        Assert.Equal(224_403L, assertCycle);
        Assert.Equal(224_404L, rec.Cycles[v].Cycle);
        output.WriteLine($"nIRQ seen at cycle {assertCycle}; vector fetch at {rec.Cycles[v].Cycle}; irq_handler executes at {assertCycle + 14}");
    }

    [Fact]
    public void TheInterruptIsTakenAtTheFirstInstructionBoundaryAfterTheZeroCycle()
    {
        // Step the core instruction by instruction (running due events as Cpu.Run does) to see the
        // instruction boundaries around the zero cycle, independently of how Cpu.Run slices time.
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("timer_irq"));
        var s = m.Scheduler;
        long? controlCycle = null;
        var rec = new WriteWatcher(Timer0Control, ControlValue, c => controlCycle ??= c);
        m.Bus.Subscribe(rec);
        long zeroCycle = long.MaxValue;
        var steps = new List<(long Before, long After, uint Pc)>();
        bool irqSeen = false;
        m.Device<Sp804Timer>("timer0").TimIntC.Subscribe(l => irqSeen |= l);
        while (!irqSeen && s.Cycles < 400_000)
        {
            if (controlCycle is long c && zeroCycle == long.MaxValue)
                zeroCycle = (c * TicksPerCpuCycle / TicksPerTimClk + Load) * TicksPerTimClk / TicksPerCpuCycle;
            long before = s.Cycles;
            uint pc = m.Cpu.Pc;
            m.Cpu.Step();
            steps.Add((before, s.Cycles, pc));
            if (s.Cycles >= s.NextEventCycle) s.RunDue();
        }
        Assert.True(irqSeen);
        // The last step is the instruction during which the zero cycle was reached.
        var last = steps[^1];
        Assert.True(last.Before < zeroCycle && zeroCycle <= last.After, $"{last} vs zero cycle {zeroCycle}");
        Assert.InRange(last.Pc, 0x9cu, 0xb8u); // the polling loop in main
        // The next step is the IRQ entry: it fetches the vector.
        m.Cpu.Step();
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        Assert.Equal(IrqVector, m.Cpu.Pc);
        Assert.Equal(last.After + 5, s.Cycles); // 2S + 1N with N = 3 cycles
        // LR_irq = address of the instruction that was not executed + 4 (TRM 2.8.7 / "IRQ").
        Assert.Equal(NextPc(steps, last) + 4, m.Cpu.GetRegister(14));

        // The same boundary as with Cpu.Run.
        using var m2 = Machine.Create([VersatilePb]);
        m2.LoadElf(Fw("timer_irq"));
        long? rise = null;
        m2.Device<Sp804Timer>("timer0").TimIntC.Subscribe(l => { if (l) rise ??= m2.Scheduler.Cycles; });
        m2.Run(zeroCycle + 100);
        Assert.Equal(last.After, rise);
    }

    private static uint NextPc(List<(long Before, long After, uint Pc)> steps, (long Before, long After, uint Pc) last)
    {
        // In the polling loop every instruction but the final `beq 9c` falls through.
        return last.Pc == 0xb8 ? 0x9cu : last.Pc + 4;
    }

    private sealed class WriteWatcher(uint address, uint value, Action<long> onWrite) : IBusObserver
    {
        public void OnBusCycle(in BusCycle c)
        {
            if (c.IsWrite && c.Address == address && c.Data == value) onWrite(c.Cycle);
        }
    }

    [Fact]
    public void TimerInterruptsArePeriodicEveryLoadPlusOneTimClkPeriods()
    {
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("timer_irq"));
        long? controlCycle = null;
        m.Bus.Subscribe(new WriteWatcher(Timer0Control, ControlValue, c => controlCycle ??= c));
        var rises = new List<long>();
        m.Device<Sp804Timer>("timer0").TimIntC.Subscribe(l => { if (l) rises.Add(m.Scheduler.Cycles); });
        var r = m.Run(2_000_000);
        Assert.Equal(0, r.ExitCode);
        Assert.NotNull(controlCycle);
        long firstZero = (controlCycle!.Value * TicksPerCpuCycle / TicksPerTimClk + Load) * TicksPerTimClk / TicksPerCpuCycle;
        // Periodic mode (TRM 3.3.3, TimerMode = 1): after reaching 0 the counter holds 0 for one count,
        // reloads 999 and counts down again: one interrupt every (Load + 1) = 1000 TIMCLK periods
        // = 1 ms = 50 000 CPU cycles. Each rise is seen at an instruction boundary 0-4 cycles later
        // (the ISR clears TimerXIntClr well within 1 ms).
        Assert.True(rises.Count >= 5, $"{rises.Count} interrupts");
        for (int k = 0; k < 5; k++)
            Assert.InRange(rises[k], firstZero + k * 50_000L, firstZero + k * 50_000L + 4);
    }

    private static void Expect(BusCycle c, long cycle, uint address, CycleKind kind, int clocks, bool code)
    {
        Assert.Equal(address, c.Address);
        Assert.Equal(kind, c.Kind);
        Assert.Equal(cycle, c.Cycle);
        Assert.Equal(clocks, c.Clocks);
        Assert.Equal(code, c.IsOpcodeFetch);
    }

    // ---------------------------------------------------------------- PL011

    // firmware/common/uart.c: div64 = (4·UARTCLK + baud/2) / baud = (96 000 000 + 57 600) / 115 200 = 833
    // -> UARTIBRD = 833 >> 6 = 13, UARTFBRD = 833 & 63 = 1; BAUDDIV = 13 + 1/64 = 13.015625.
    // A bit is 16 Baud16 pulses = 16 · 13.015625 = 208.25 UARTCLK cycles (TRM DDI 0183 2.4.3, 3.3.6);
    // an 8N1 frame is 10 bits = 2082.5 UARTCLK cycles. The model puts every bit edge on a UARTCLK
    // edge, floor((phase + i · 833) / 4) cycles after the start edge (UartFrame remarks), where phase
    // is the generator's position in quarter cycles; back to back, the generator runs on, so frames
    // alternate between phase 0 (2082 cycles) and phase 2 (2083 cycles).
    private const int Divisor64 = 833;

    [Fact]
    public void Uart0FramesFollowTheProgrammedDivisor()
    {
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        var frames = new List<UartFrame>();
        m.Device<Pl011Uart>("uart0").FrameTransmitted += frames.Add;
        var r = m.Run(10_000_000);
        Assert.Equal(0, r.ExitCode);
        const string text = "Hello from SocSim on Versatile/PB\n";
        Assert.Equal(text, new string(frames.Select(f => (char)f.Data).ToArray()));
        Assert.Equal(text, m.UartOutput("uart0"));
        for (int k = 0; k < frames.Count; k++)
        {
            var f = frames[k];
            Assert.Equal(833, f.Divisor64);
            Assert.Equal(TicksPerUartClk, f.UartClkPeriodTicks);
            Assert.Equal(8, f.WordLength);
            Assert.Equal(UartParity.None, f.Parity);
            Assert.Equal(1, f.StopBits);
            Assert.Equal(10, f.BitCount);
            Assert.Equal(0, f.StartTick % TicksPerUartClk); // frames start on UARTCLK edges
            Assert.Equal(k * 10L * Divisor64 % 4, f.PhaseQuarters);
            Assert.Equal((f.PhaseQuarters + 10L * Divisor64) / 4 * TicksPerUartClk, f.EndTick - f.StartTick);
            // Bit i starts floor((phase + i · 833) / 4) UARTCLK cycles after the start bit's edge.
            for (int i = 0; i <= 10; i++)
                Assert.Equal(f.StartTick + (f.PhaseQuarters + i * (long)Divisor64) / 4 * TicksPerUartClk, f.BitStartTick(i));
            // Bit time 208.25 · 25 ticks = 5206.25 ticks = 8.6771 us -> 115 246 baud: within the divisor's
            // quantisation (1/64 of a Baud16 period, 0.12 %) of 115 200.
            double baud = 600e6 / f.BitTicks;
            Assert.InRange(Math.Abs(baud - 115_200) / 115_200, 0, 1.0 / (64 * 13.015625));
            Assert.Equal(24e6 / (16 * 13.015625), baud, 6);
        }
        // The FIFO never runs dry while hello prints (the CPU refills it far faster than 115200 baud
        // empties it), so every frame starts exactly when the previous one ends.
        for (int i = 1; i < frames.Count; i++)
            Assert.Equal(frames[i - 1].EndTick, frames[i].StartTick);
        // hello exits right after uart_flush sees BUSY clear, i.e. just after the last stop bit.
        long end = frames[^1].EndTick;
        Assert.InRange(m.Scheduler.Now, end, end + 200 * TicksPerCpuCycle);
        output.WriteLine($"first frame at tick {frames[0].StartTick}, last ends at {end}, exit at {m.Scheduler.Now}");
    }

    [Fact]
    public void BackToBackFramesKeepTheFractionalBaudRate()
    {
        // The PL011's Baud16 generator runs continuously: over 64 Baud16 periods it produces exactly
        // 64·IBRD + FBRD = 833 UARTCLK cycles (TRM 2.4.3: the fractional part inserts one extra cycle
        // in FBRD of every 64 periods). So N back-to-back 8N1 frames (160·N Baud16 periods) take
        // N · 2082.5 cycles, give or take the one-cycle jitter, however the frames are cut.
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        var frames = new List<UartFrame>();
        m.Device<Pl011Uart>("uart0").FrameTransmitted += frames.Add;
        m.Run(10_000_000);
        Assert.Equal(34, frames.Count);
        long cycles = (frames[^1].EndTick - frames[0].StartTick) / TicksPerUartClk;
        double exact = frames.Count * 2082.5; // 70 805
        Assert.True(Math.Abs(cycles - exact) <= 1, $"34 back-to-back frames took {cycles} UARTCLK cycles; the divisor gives {exact}");
    }
}
