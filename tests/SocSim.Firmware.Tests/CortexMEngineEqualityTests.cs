using SocSim.Core;
using SocSim.CortexM;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Cortex-M firmware run by the block engine (<c>--engine translate</c>, the boards' default) and by the
/// interpreter: the same console text, cycles, instructions, DWT counts, registers and RAM. FreeRTOS's MPS2
/// full demo (tasks, nested timer interrupts, SysTick, PendSV) on mps2-an385, CoreMark (firmware/coremark)
/// to its semihosting exit, and libopencm3's STM32F100 usart example on stm32f100.
/// </summary>
public sealed class CortexMEngineEqualityTests
{
    private static string Mps2(string elf) => Path.Combine(Repo.Root, "..", "shared", "cortex-m", "freertos-mps2", "elf", elf);

    private sealed record Outcome(RunResult Result, string Uart, uint[] Registers, long Cpi, long Lsu, long Exc, long Sleep, byte[] Ram, long BlockInstructions);

    private static Outcome Run(string board, string elf, string uart, long cycles, ExecutionEngine engine, (uint Base, int Size) ram, bool semihosting = false)
    {
        var sets = semihosting ? new[] { "semihosting=true" } : [];
        using var m = Machine.Create([Repo.Board(board)], sets, new MachineOptions { Engine = engine, Warnings = TextWriter.Null });
        m.LoadElf(elf);
        var r = m.Run(cycles);
        var cpu = (CortexMCpu)m.Core;
        Assert.Equal(engine, cpu.Engine);
        var regs = Enumerable.Range(0, 16).Select(cpu.GetRegister).Append(cpu.Xpsr).Append(cpu.Msp).Append(cpu.Psp).ToArray();
        var bytes = new byte[ram.Size];
        for (int i = 0; i < ram.Size; i += 4) BitConverter.GetBytes(m.Bus.DebugRead32(ram.Base + (uint)i)).CopyTo(bytes, i);
        return new Outcome(r, m.UartOutput(uart), regs, cpu.CpiCycles, cpu.LsuCycles, cpu.ExceptionCycles, cpu.SleepCycles, bytes, cpu.BlockInstructions);
    }

    private static string AssertSame(string board, string elf, string uart, long cycles, (uint, int) ram, bool semihosting = false, bool blocksExpected = true, bool prints = true)
    {
        var a = Run(board, elf, uart, cycles, ExecutionEngine.Interpret, ram, semihosting);
        var b = Run(board, elf, uart, cycles, ExecutionEngine.Translate, ram, semihosting);
        Assert.Equal(a.Uart, b.Uart);
        Assert.Equal(a.Result, b.Result);
        Assert.Equal(a.Registers, b.Registers);
        Assert.Equal((a.Cpi, a.Lsu, a.Exc, a.Sleep), (b.Cpi, b.Lsu, b.Exc, b.Sleep));
        Assert.True(a.Ram.AsSpan().SequenceEqual(b.Ram), "RAM differs");
        Assert.Equal(0, a.BlockInstructions);
        if (blocksExpected) Assert.True(b.BlockInstructions > b.Result.Instructions / 2, $"only {b.BlockInstructions} of {b.Result.Instructions} instructions ran in blocks");
        if (prints) Assert.NotEmpty(a.Uart);
        return a.Uart;
    }

    /// <summary>The full demo's first 1.5 simulated seconds (its check task prints only at 5 s; the tasks, queues and timers run from the start).</summary>
    [Fact]
    public void FreeRtosMps2FullDemo() =>
        _ = AssertSame("mps2-an385", Mps2("RTOSDemo-full.elf"), "uart0", 37_500_000, (0x2000_0000, 0x1_0000), prints: false);

    /// <summary>Blinky: the queue send/receive tasks and the software timer, each line at its cycle.</summary>
    [Fact]
    public void FreeRtosMps2Blinky() =>
        _ = AssertSame("mps2-an385", Mps2("RTOSDemo-blinky.elf"), "uart0", 60_000_000, (0x2000_0000, 0x1_0000));

    /// <summary>
    /// CoreMark to its end: the same checksums, score line and cycles in both engines, and the checksums
    /// are CoreMark's own known values for the 2K performance run (seeds 0, 0, 0x66: index 3 of
    /// <c>list_known_crc</c>, <c>matrix_known_crc</c> and <c>state_known_crc</c> in eembc's core_main.c).
    /// Its "Errors detected" comes only from the run being under CoreMark's 10 s minimum.
    /// </summary>
    [Fact]
    public void CoreMark()
    {
        string text = AssertSame("mps2-an385", Path.Combine(Repo.Root, "firmware", "coremark", "coremark-m3.elf"), "uart0", 100_000_000, (0x2000_0000, 0x1_0000), semihosting: true);
        Assert.Contains("seedcrc          : 0xe9f5", text);
        Assert.Contains("[0]crclist       : 0xe714", text);
        Assert.Contains("[0]crcmatrix     : 0x1fd7", text);
        Assert.Contains("[0]crcstate      : 0x8e3a", text);
        Assert.DoesNotContain("crc 0x", text); // CoreMark's "ERROR! list crc 0x... - should be 0x..."
        Assert.Contains("ERROR! Must execute for at least 10 secs", text);
    }

    /// <summary>libopencm3's usart example on the STM32F100 (24 MHz, zero-wait flash).</summary>
    [Fact]
    public void Stm32F100Usart() =>
        _ = AssertSame("stm32f100", Stm32Pack.Path("elf", "f100-vldiscovery-usart.elf"), "usart1", 20_000_000, (0x2000_0000, 0x2000), blocksExpected: false);
}
