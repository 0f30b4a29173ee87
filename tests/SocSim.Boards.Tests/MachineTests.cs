using System.Text;
using SocSim.Arm;
using SocSim.Core;
using SocSim.Peripherals;
using SocSim.Tests;

namespace SocSim.Boards.Tests;

/// <summary>The Machine library API: building, loading, running in pieces, looking inside.</summary>
public sealed class MachineTests
{
    private static string Fw(string name) => Path.Combine(TestFiles.RepoRoot, "firmware", "elf", name + ".elf");
    private static string VersatilePb => Path.Combine(TestFiles.BoardsDir, "versatilepb.json");
    private static string AssetBoard(string name) => Path.Combine(TestFiles.RepoRoot, "tests", "assets", "boards", name);
    private static string Expected(string name) => File.ReadAllText(Path.Combine(TestFiles.RepoRoot, "firmware", "expected", name + ".txt"));

    // hello on versatilepb, uninterrupted (socsim run --stats gives the same): its snapshot's totals.
    private static readonly long HelloCycles = FirmwareTotals.Of("hello").Cycles, HelloInstructions = FirmwareTotals.Of("hello").Instructions;

    [Fact]
    public void LoadElfResetsToTheEntryInSupervisorMode()
    {
        using var m = Machine.Create([VersatilePb]);
        var elf = m.LoadElf(Fw("hello"));
        Assert.Equal(0u, elf.Entry);
        Assert.Same(elf, m.Elf);
        Assert.Equal(0u, m.Cpu.Pc);
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal(0xD3u, m.Cpu.Cpsr & 0xFF);        // SVC, IRQ and FIQ masked, ARM (TRM 2.11 reset)
        // LoadElf zeroes the cycle count and resets the core, which fills the pipeline: N fetch of 0
        // (1 + 2 wait states) and S fetch of 4 (1): 4 cycles.
        Assert.Equal(4L, m.Scheduler.Cycles);
        Assert.Equal(0xE59FF018u, m.Bus.DebugRead32(0)); // the reset vector: ldr pc, [pc, #24]
        Assert.Equal(m.Symbol("reset_handler"), m.Bus.DebugRead32(0x20));
    }

    [Fact]
    public void SymbolsResolveFromTheElf()
    {
        using var m = Machine.Create([VersatilePb]);
        Assert.Throws<InvalidOperationException>(() => m.Symbol("main")); // no ELF yet
        m.LoadElf(Fw("timer_irq"));
        Assert.Equal(0x40u, m.Symbol("main"));
        Assert.Equal(0x284u, m.Symbol("irq_handler"));
        Assert.Equal(0x1a8u, m.Symbol("timer0_isr"));
        Assert.Equal(0x92cu, m.Symbol("ticks"));
        var e = Assert.Throws<KeyNotFoundException>(() => m.Symbol("no_such_symbol"));
        Assert.Contains("no_such_symbol", e.Message);
    }

    [Fact]
    public void ThumbSymbolsAreAddressesWithoutTheThumbBit()
    {
        // thumb.elf's main is Thumb: st_value 0x41 in the ELF, address 0x40.
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("thumb"));
        Assert.Equal(0x40u, m.Symbol("main"));
    }

    [Fact]
    public void RunsHelloToItsExit()
    {
        var console = new MemoryStream();
        using var m = Machine.Create([VersatilePb], [], new MachineOptions { Console = console });
        m.LoadElf(Fw("hello"));
        var r = m.Run();
        Assert.Equal(new RunResult(StopReason.Exit, 0, HelloCycles, HelloInstructions, null), r);
        Assert.Equal(Expected("hello"), m.UartOutput("uart0"));
        Assert.Equal(Expected("hello"), Encoding.Latin1.GetString(console.ToArray()));
        Assert.Equal("", m.UartOutput("uart1"));
        Assert.Equal("", m.UartOutput("UART2")); // names are case-insensitive
        Assert.Throws<KeyNotFoundException>(() => m.UartOutput("uart3"));
        Assert.Equal(HelloCycles * 20, m.SimulatedNanoseconds); // 50 MHz: 20 ns per cycle
        Assert.Equal(HelloInstructions, m.Cpu.Instructions);
        Assert.Equal(0, m.Semihosting!.ExitCode);
        Assert.Equal(Semihosting.ApplicationExit, m.Semihosting.ExitReason);
    }

    [Fact]
    public void ACycleLimitStopsAndRunContinuesToTheSameEnd()
    {
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        var first = m.Run(50_000);
        Assert.Equal(StopReason.CycleLimit, first.Reason);
        Assert.Null(first.ExitCode);
        // The run stops at the first instruction boundary at or after the limit.
        Assert.InRange(first.Cycles, 50_000, 50_020);
        Assert.Equal(first.Cycles, m.Scheduler.Cycles);
        // 50 000 cycles = 1 ms: 11 characters (4337.5 cycles each) have been sent, the 12th is on the line.
        Assert.Equal("Hello from ", m.UartOutput("uart0"));
        // Asking for a limit already passed returns at once.
        var again = m.Run(10);
        Assert.Equal(StopReason.CycleLimit, again.Reason);
        Assert.Equal(first.Cycles, again.Cycles);
        // Continuing gives exactly the uninterrupted run.
        var rest = m.Run();
        Assert.Equal(new RunResult(StopReason.Exit, 0, HelloCycles, HelloInstructions, null), rest);
        Assert.Equal(Expected("hello"), m.UartOutput("uart0"));
    }

    [Fact]
    public void RunningInManySlicesIsDeterministic()
    {
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("timer_irq"));
        RunResult r;
        long limit = 0;
        do r = m.Run(limit += 7_777); while (r.Reason == StopReason.CycleLimit);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        // Run in pieces, the same totals as in one go (the demo's snapshot, and socsim run --stats).
        Assert.Equal(FirmwareTotals.Of("timer_irq").Cycles, r.Cycles);
        Assert.Equal(FirmwareTotals.Of("timer_irq").Instructions, r.Instructions);
        Assert.Equal(Expected("timer_irq"), m.UartOutput("uart0"));
    }

    [Fact]
    public void DevicesAreFoundByNameAndType()
    {
        using var m = Machine.Create([VersatilePb]);
        Assert.Equal("timer0", m.Device<Sp804Timer>("timer0").Name);
        Assert.Equal("vic", m.Device<Pl190Vic>("vic").Name);
        Assert.Same(m.Device<Pl011Uart>("uart0"), m.Uarts["uart0"]);
        Assert.Equal(["uart0", "uart1", "uart2"], m.Uarts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("uart0", m.ConsoleUart);
        Assert.Throws<KeyNotFoundException>(() => m.Device<Pl011Uart>("timer0")); // wrong type
        Assert.Throws<KeyNotFoundException>(() => m.Device<Sp804Timer>("timer9"));
        Assert.Equal(6, m.Devices.Count);
    }

    [Fact]
    public void UnknownConsoleUartIsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => Machine.Create([VersatilePb], [], new MachineOptions { ConsoleUart = "uart9" }));
        Assert.Equal("no UART named 'uart9' on this board (UARTs: uart0, uart1, uart2)", e.Message);
        // A device that is not a PL011 is no console either.
        var e2 = Assert.Throws<ArgumentException>(() => Machine.Create([VersatilePb], [], new MachineOptions { ConsoleUart = "timer0" }));
        Assert.Contains("'timer0'", e2.Message);
    }

    [Fact]
    public void ConsoleUartOptionRoutesAnotherUart()
    {
        var console = new MemoryStream();
        using var m = Machine.Create([VersatilePb], [], new MachineOptions { Console = console, ConsoleUart = "uart1" });
        m.LoadElf(Fw("hello"));
        Assert.Equal(0, m.Run().ExitCode);
        Assert.Equal(0, console.Length);                            // hello writes UART0 only
        Assert.Equal(Expected("hello"), m.UartOutput("uart0"));     // still recorded per UART
    }

    [Fact]
    public void TimerInterruptReachesTheCoreThroughVicLine4()
    {
        using var m = Machine.Create([VersatilePb]);
        var timer = m.Device<Sp804Timer>("timer0");
        var vic = m.Device<Pl190Vic>("vic");
        bool abort = false;
        // Drive TIMINT1 through the SP804's integration test registers (TRM DDI 0271 4.2): TimerITCR = 1,
        // TimerITOP[0] = 1.
        timer.Write(0x101E2000 + Sp804Timer.TimerITCR, 4, 1, AccessFlags.None, ref abort);
        timer.Write(0x101E2000 + Sp804Timer.TimerITOP, 4, 1, AccessFlags.None, ref abort);
        Assert.True(timer.TimIntC.Level);
        Assert.True(vic.Input(4).Level);
        Assert.False(vic.Input(5).Level);                 // timer1 is line 5
        Assert.Equal(1u << 4, vic.RawInterrupts);
        Assert.False(vic.Irq.Level);                      // not enabled yet
        Assert.False(m.Cpu.IrqAsserted);
        vic.Write(0x10140000 + Pl190Vic.VICIntEnable, 4, 1u << 4, AccessFlags.Privileged, ref abort);
        Assert.True(vic.Irq.Level);
        Assert.True(m.Cpu.IrqAsserted);                   // vic.IRQ -> cpu.nIRQ
        Assert.False(m.Cpu.FiqAsserted);
        // Routed to FIQ instead (VICIntSelect): nIRQ drops, nFIQ rises.
        vic.Write(0x10140000 + Pl190Vic.VICIntSelect, 4, 1u << 4, AccessFlags.Privileged, ref abort);
        Assert.False(m.Cpu.IrqAsserted);
        Assert.True(m.Cpu.FiqAsserted);
        // Dropping the timer output drops the core's input.
        timer.Write(0x101E2000 + Sp804Timer.TimerITOP, 4, 0, AccessFlags.None, ref abort);
        Assert.False(m.Cpu.FiqAsserted);
        Assert.False(abort);
    }

    [Fact]
    public void UartReceiveInterruptIsVicLine12()
    {
        using var m = Machine.Create([VersatilePb]);
        var vic = m.Device<Pl190Vic>("vic");
        var uart = m.Device<Pl011Uart>("uart0");
        bool abort = false;
        const uint b = 0x101F1000;
        // 115200 baud 8N1 without FIFOs (1-deep holding register: RXINTR on the first character),
        // receive interrupt unmasked (PL011 TRM DDI 0183 3.3.6-3.3.13).
        uart.Write(b + Pl011Uart.UARTIBRD, 4, 13, AccessFlags.None, ref abort);
        uart.Write(b + Pl011Uart.UARTFBRD, 4, 1, AccessFlags.None, ref abort);
        uart.Write(b + Pl011Uart.UARTLCR_H, 4, 0x60, AccessFlags.None, ref abort);
        uart.Write(b + Pl011Uart.UARTIMSC, 4, 1u << 4, AccessFlags.None, ref abort);
        uart.Write(b + Pl011Uart.UARTCR, 4, 0x301, AccessFlags.None, ref abort);
        vic.Write(0x10140000 + Pl190Vic.VICIntEnable, 4, 1u << 12, AccessFlags.Privileged, ref abort);
        Assert.False(vic.Input(12).Level);
        uart.EnqueueHostInput("a"u8);
        // The core runs the zeroed RAM (andeq r0, r0, r0) with IRQs masked after reset while the
        // character arrives: one 10-bit frame = 2082 UARTCLK cycles = 4337.5 CPU cycles.
        m.Cpu.Reset();
        long? rise = null;
        vic.Input(12).Subscribe(l => { if (l) rise ??= m.Scheduler.Cycles; });
        m.Run(10_000);
        Assert.True(uart.UartIntr.Level);
        Assert.True(vic.Input(12).Level);
        Assert.False(vic.Input(13).Level);
        Assert.False(vic.Input(14).Level);
        Assert.True(m.Cpu.IrqAsserted);
        Assert.InRange(rise!.Value, 4338, 4338 + 4);
        Assert.False(abort);
    }

    [Fact]
    public void A16BitRomTakesMoreCyclesThanA32BitRom()
    {
        // tests/assets/boards/rom{16,32}-at-0.json put a 16 KiB ROM at 0 (hello fits: 0x5b8 bytes)
        // with the RAM's wait states (2/0). On a 16-bit bus a word access is two halfword accesses
        // (ARM7TDMI TRM 3.x "Memory interface"; NanoBoyAdvance/GBA-style): N+S = 3+1 = 4 cycles
        // non-sequential, S+S = 2 sequential, against 3 and 1 on a 32-bit bus.
        using var m16 = Machine.Create([VersatilePb, AssetBoard("rom16-at-0.json")]);
        using var m32 = Machine.Create([VersatilePb, AssetBoard("rom32-at-0.json")]);
        Assert.Equal(4, m16.Bus.CostOf(0x100, 4, write: false, seq: false));
        Assert.Equal(2, m16.Bus.CostOf(0x100, 4, write: false, seq: true));
        Assert.Equal(3, m16.Bus.CostOf(0x100, 2, write: false, seq: false));
        Assert.Equal(1, m16.Bus.CostOf(0x100, 2, write: false, seq: true));
        Assert.Equal(3, m32.Bus.CostOf(0x100, 4, write: false, seq: false));
        Assert.Equal(1, m32.Bus.CostOf(0x100, 4, write: false, seq: true));
        m16.LoadElf(Fw("hello"));
        m32.LoadElf(Fw("hello"));
        Assert.Equal(0xE59FF018u, m16.Bus.DebugRead32(0)); // the loader fills ROM
        var r16 = m16.Run(10_000_000);
        var r32 = m32.Run(10_000_000);
        Assert.Equal(0, r16.ExitCode);
        Assert.Equal(0, r32.ExitCode);
        Assert.Equal(Expected("hello"), m16.UartOutput("uart0"));
        // The 32-bit ROM has the RAM's timing, so hello takes exactly as long as from RAM.
        Assert.Equal(HelloCycles, r32.Cycles);
        Assert.Equal(148_139L, r16.Cycles);
        Assert.True(r16.Cycles > r32.Cycles);
        // The UART bounds hello's time; the polling loops simply run fewer times.
        Assert.True(r16.Instructions < r32.Instructions);
    }

    [Fact]
    public void A16BitRamSlowsComputeBoundCode()
    {
        using var m32 = Machine.Create([VersatilePb]);
        using var m16 = Machine.Create([VersatilePb], ["memory.ram.busWidth=16"]);
        m32.LoadElf(Fw("bench_small"));
        m16.LoadElf(Fw("bench_small"));
        var r32 = m32.Run();
        var r16 = m16.Run();
        Assert.Equal(Expected("bench_small"), m16.UartOutput("uart0"));
        Assert.Equal(Expected("bench_small"), m32.UartOutput("uart0"));
        Assert.Equal(FirmwareTotals.Of("bench_small").Cycles, r32.Cycles);
        Assert.Equal(7_690_085L, r16.Cycles);
    }

    [Fact]
    public void BusObserverSeesEveryCycle()
    {
        // With an observer the CPU may not use its fetch fast path, and the sum of the observed
        // clocks is the cycle count (less the 4 cycles of the reset's pipeline fill in LoadElf, before
        // the observer was subscribed).
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        var sum = new ClockSum();
        m.Bus.Subscribe(sum);
        var r = m.Run();
        Assert.Equal(HelloCycles, r.Cycles);   // observing does not change timing
        Assert.Equal(r.Cycles - 4, sum.Clocks);
        Assert.Equal(r.Cycles, sum.LastEnd);
    }

    private sealed class ClockSum : IBusObserver
    {
        public long Clocks, LastEnd;
        public void OnBusCycle(in BusCycle c) { Clocks += c.Clocks; LastEnd = c.Cycle + c.Clocks; }
    }
}

public sealed class MachineRunAgainTests
{
    private static string Fw(string name) => Path.Combine(TestFiles.RepoRoot, "firmware", "elf", name + ".elf");
    private static string VersatilePb => Path.Combine(TestFiles.BoardsDir, "versatilepb.json");

    [Fact]
    public void RunAfterExitReturnsAtOnce()
    {
        // Once the firmware has exited, the machine stays stopped: running again must not execute
        // what follows the exit SWI (hello spins in `b .` after it) and must not run to the limit.
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        var first = m.Run();
        Assert.Equal(StopReason.Exit, first.Reason);
        var again = m.Run(first.Cycles + 100_000);
        Assert.Equal(StopReason.Exit, again.Reason);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(first.Cycles, again.Cycles);
        Assert.Equal(first.Instructions, again.Instructions);
    }

    [Fact]
    public void LoadingAnotherElfStartsAFreshRun()
    {
        // LoadElf resets the core and the cycle count; the previous program's exit must not end the new run.
        using var m = Machine.Create([VersatilePb]);
        m.LoadElf(Fw("hello"));
        Assert.Equal(0, m.Run().ExitCode);
        m.LoadElf(Fw("rdimon"));
        var r = m.Run(50_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(3, r.ExitCode);
        Assert.True(r.Cycles > 100_000, $"rdimon ran only {r.Cycles} cycles");
    }
}
