using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>Our own STM32F103 firmware (firmware/stm32f1), built by its Makefile into a scratch directory once per test run.</summary>
internal static class Stm32Elf
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-cli-stm32f1-{Environment.ProcessId}");
        var psi = new ProcessStartInfo("make", ["-s", "-C", Path.Combine(Socsim.RepoRoot, "firmware", "stm32f1"), "B=" + dir])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("make did not start");
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("make in firmware/stm32f1 failed: " + err.Result);
        return dir;
    });

    public static string Elf(string name) => Path.Combine(Dir.Value, name + ".elf");
}

/// <summary>
/// `--until` and `--break` (by symbol and by address) on the Cortex-M boards (issue 18 section 4: "everything
/// SocSim does for the ARM7TDMI works for every new core"): mps2-an385 with FreeRTOS's MPS2 blinky and
/// stm32f103 with firmware/stm32f1's flash_cycles. The stop lines' cycles and instruction counts are derived
/// from the code and the core's timing rules (docs/cortex-m.md "Timing"), the addresses from the ELF's symbols.
/// </summary>
public sealed class CortexMRunStopTests
{
    private static string Blinky => Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", "RTOSDemo-blinky.elf"));

    private sealed record Stop(string Name, long Cycle, long Instructions, uint Pc);

    /// <summary>Runs socsim with the arguments; the "reached at" line it printed on stderr (exit status 0).</summary>
    private static Stop Reached(params string[] args)
    {
        var r = Socsim.Run(["run", .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var m = Regex.Match(r.Stderr, @"socsim run: (?:until|break) (\S+) reached at cycle=(\d+) instructions=(\d+) pc=0x([0-9A-F]{8})");
        Assert.True(m.Success, r.Stderr);
        return new Stop(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            uint.Parse(m.Groups[4].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    private static uint Symbol(string board, string elf, string name)
    {
        using var m = Machine.Create([Path.Combine(Socsim.RepoRoot, "boards", board + ".json")]);
        m.LoadElf(elf);
        return m.Symbol(name) & ~1u;
    }

    [Fact]
    public void Mps2_UntilMain_StopsAfterTheResetHandlersBranch()
    {
        // Reset_Handler is one B.W to main: 1 instruction, 1 + P cycles with P = 1 (a target known at decode on
        // zero-wait SSRAM, main word-aligned).
        uint main = Symbol("mps2-an385", Blinky, "main");
        Assert.Equal(new Stop("main", 2, 1, main), Reached("--board", "mps2-an385", Blinky, "--until", "main"));
        Assert.Equal(new Stop($"0x{main:x}", 2, 1, main), Reached("--board", "mps2-an385", Blinky, "--until", $"0x{main:x}"));
    }

    [Fact]
    public void Mps2_BreakOnTheThirdSysTick_IsTheThirdEntrysEnd()
    {
        // The N-th hit of the SysTick handler's first instruction is the end of the N-th SysTick (exception 15)
        // entry, which takes 12 cycles on zero-wait memory (DDI 0337I 5.5.1): found independently in the
        // instruction trace, whose entry lines give the cycle each entry begins at.
        uint handler = Symbol("mps2-an385", Blinky, "xPortSysTickHandler");
        var bySymbol = Reached("--board", "mps2-an385", Blinky, "--break", "xPortSysTickHandler:3");
        var byAddress = Reached("--board", "mps2-an385", Blinky, "--break", $"0x{handler:x}:3");
        Assert.Equal(handler, bySymbol.Pc);
        Assert.Equal("xPortSysTickHandler#3", bySymbol.Name);
        Assert.Equal((bySymbol.Cycle, bySymbol.Instructions, bySymbol.Pc), (byAddress.Cycle, byAddress.Instructions, byAddress.Pc));

        string trace = Path.Combine(Path.GetTempPath(), $"socsim-m3-break-{Environment.ProcessId}.txt");
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", Blinky, "--max-cycles", (bySymbol.Cycle + 1).ToString(CultureInfo.InvariantCulture), "--trace-instr", trace);
            Assert.True(r.ExitCode == 124, r.Stderr);
            var entries = File.ReadLines(trace).Where(l => l.Contains("<exception 15 entry", StringComparison.Ordinal))
                .Select(l => long.Parse(l.TrimStart().Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
            Assert.True(entries.Count >= 3, $"{entries.Count} SysTick entries in the trace");
            Assert.Equal(entries[2] + 12, bySymbol.Cycle);
            // Ticks every 25,000 cycles (configCPU_CLOCK_HZ 25 MHz / configTICK_RATE_HZ 1000): entries begin
            // at the first boundary after each tick, so the gaps differ from 25,000 by less than an instruction.
            Assert.InRange(entries[2] - entries[1], 25_000 - 12, 25_000 + 12);
        }
        finally { File.Delete(trace); }
    }

    [Fact]
    public void Stm32_UntilAndBreak_TimeTheSramLoopAsItsCodeSays()
    {
        // flash_cycles calls sram_loop (loops.S, in SRAM: no wait state) with n = 1, then n = 101. From the first
        // CYCCNT LDR (sram_loop_start) to the second (sram_loop_end): LDR 2, then per iteration ADD.W x3, SUBS,
        // BNE (1 each, 1 + P = 2 when taken, P = 1) and a NOP: n = 1 is 2 + 3 + 1 + 1 + 1 = 8 cycles and 7
        // instructions; n = 101 is 8 + 100 x 6 = 608 cycles and 1 + 101 x 5 + 1 = 507 instructions.
        string elf = Stm32Elf.Elf("flash_cycles");
        uint start = Symbol("stm32f103", elf, "sram_loop_start"), end = Symbol("stm32f103", elf, "sram_loop_end");
        var s1 = Reached("--board", "stm32f103", elf, "--until", "sram_loop_start");
        var e1 = Reached("--board", "stm32f103", elf, "--until", $"0x{end:x}");
        Assert.Equal((start, end), (s1.Pc, e1.Pc));
        Assert.Equal((8L, 7L), (e1.Cycle - s1.Cycle, e1.Instructions - s1.Instructions));
        var s2 = Reached("--board", "stm32f103", elf, "--break", $"0x{start:x}:2");
        var e2 = Reached("--board", "stm32f103", elf, "--break", "sram_loop_end:2", "--break", "sram_loop_end:3");
        Assert.Equal((start, end), (s2.Pc, e2.Pc));
        Assert.Equal("sram_loop_end#2", e2.Name);
        Assert.Equal((608L, 507L), (e2.Cycle - s2.Cycle, e2.Instructions - s2.Instructions));
        // Between the calls: sram_loop's BX LR and what flash_cycles does before the second call.
        Assert.True(s2.Cycle > e1.Cycle);
    }
}
