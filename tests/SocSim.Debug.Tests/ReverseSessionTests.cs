using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Debug.Tests;

/// <summary>
/// Reverse execution from the real client: `gdb-multiarch -batch` with reverse-continue,
/// reverse-stepi, reverse-step/next/finish against `socsim run --gdb 0`. What GDB shows after going
/// back is checked against a machine of this process run forward to the same position (the cycle
/// `monitor cycles` reports): registers, instruction count and memory must be the same.
/// </summary>
public sealed class ReverseSessionTests
{
    private const int Timeout = Deadline.Ms;

    private static (Gdb.Result Gdb, int ExitCode, string Stderr) Session(string elf, string[] socsimArgs, params string[] commands)
    {
        using var socsim = new SocsimProcess(elf, socsimArgs);
        var gdb = Gdb.Batch(elf, socsim.Port, commands);
        int code = socsim.WaitForExit();
        return (gdb, code, socsim.Stderr);
    }

    /// <summary>Every `monitor cycles` line: (cycles, instructions).</summary>
    private static List<(long Cycles, long Instructions)> Positions(string output) =>
        Regex.Matches(output, @"cycles=(\d+) instructions=(\d+)").Select(m => (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value))).ToList();

    private static readonly string[] RegisterNames = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc", "cpsr"];

    /// <summary>Every `info registers` block, as the 17 values r0..r12, sp, lr, pc, cpsr.</summary>
    private static List<uint[]> RegisterBlocks(string output)
    {
        var values = Regex.Matches(output, @"^(r\d+|sp|lr|pc|cpsr)\s+0x([0-9a-f]+)", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, uint.Parse(m.Groups[2].Value, NumberStyles.HexNumber))).ToList();
        var blocks = new List<uint[]>();
        for (int i = 0; i + RegisterNames.Length <= values.Count; i += RegisterNames.Length)
        {
            Assert.Equal(RegisterNames, values.Skip(i).Take(RegisterNames.Length).Select(v => v.Item1));
            blocks.Add(values.Skip(i).Take(RegisterNames.Length).Select(v => v.Item2).ToArray());
        }
        return blocks;
    }

    /// <summary>Every `x/16xw ADDR` dump, as its 16 words.</summary>
    private static List<uint[]> MemoryDumps(string output) =>
        Regex.Matches(output, @"^0x[0-9a-f]+(?: <[^>]*>)?:((?:\t0x[0-9a-f]{8})+)$", RegexOptions.Multiline)
            .SelectMany(m => Regex.Matches(m.Groups[1].Value, @"0x([0-9a-f]{8})").Select(w => uint.Parse(w.Groups[1].Value, NumberStyles.HexNumber)))
            .Chunk(16).ToList();

    /// <summary>A machine of this process, run forward to <paramref name="cycles"/> (the first boundary at or after it).</summary>
    private static Machine RunTo(string board, string elf, long cycles)
    {
        // As `socsim run` builds it: semihosting's command line is the ELF's name.
        var m = Machine.Create([board], [], new MachineOptions { Console = new MemoryStream(), CommandLine = Path.GetFileName(elf) });
        m.LoadElf(elf);
        while (m.Scheduler.Cycles < cycles && m.Run(cycles).Reason is not (StopReason.Exit or StopReason.Fault)) { }
        Assert.Equal(cycles, m.Scheduler.Cycles);
        return m;
    }

    private static uint[] Registers(Machine m) =>
        [.. Enumerable.Range(0, 15).Select(m.Cpu.GetRegister), m.Cpu.Pc, m.Cpu.Cpsr];

    private static string Hex(uint[] r) => string.Join(" ", r.Select(v => v.ToString("x8")));

    [Fact(Timeout = Timeout)]
    public async Task ReExecutingAStretchDoesNotPrintItsConsoleOutputAgain()
    {
        await Task.Yield();
        // rdimon prints its greeting before the loop at line 28; going back to the start and running
        // to the end re-executes the greeting, which the console must not show twice.
        var elf = Paths.Elf("rdimon.elf");
        string plain;
        {
            var console = new MemoryStream();
            using var m = Machine.Create([Paths.RamBoard], [], new MachineOptions { Console = console, CommandLine = Path.GetFileName(elf) });
            m.LoadElf(elf);
            m.Run();
            plain = System.Text.Encoding.Latin1.GetString(console.ToArray());
        }
        using var socsim = new SocsimProcess(elf, "--board", "ram");
        var gdb = Gdb.Batch(elf, socsim.Port, ["break rdimon.c:28", "continue", "reverse-continue", "monitor cycles", "delete", "continue"]);
        Assert.Equal(3, socsim.WaitForExit());
        Assert.Contains("No more reverse-execution history.", gdb.Output);
        Assert.Contains("hello from newlib", plain);
        Assert.Equal(plain, socsim.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReverseContinue_LandsOnThePreviousHitOfABreakpointInALoop()
    {
        await Task.Yield();
        // rdimon (ram board) builds a list in a loop: line 28 runs once per i = 1..10.
        var elf = Paths.Elf("rdimon.elf");
        var s = Session(elf, ["--board", "ram"],
            "break rdimon.c:28",
            "continue", "print i", "monitor cycles", "info registers",
            "continue", "print i", "monitor cycles", "info registers",
            "continue", "print i", "monitor cycles", "info registers",
            "reverse-continue", "print i", "monitor cycles", "info registers",
            "reverse-continue", "print i", "monitor cycles", "info registers",
            "continue", "print i", "monitor cycles",
            "kill");
        var o = s.Gdb.Output;
        var i = Regex.Matches(o, @"^\$\d+ = (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal([1, 2, 3, 2, 1, 2], i);
        Assert.Equal(6, Regex.Matches(o, @"Breakpoint 1, main \(\) at src/rdimon.c:28").Count);
        var at = Positions(o);
        var regs = RegisterBlocks(o);
        Assert.Equal(6, at.Count);
        Assert.Equal(5, regs.Count);
        // Back on the second and first hits: the very same positions and registers as going forward.
        Assert.Equal(at[1], at[3]);
        Assert.Equal(at[0], at[4]);
        Assert.Equal(at[1], at[5]);
        Assert.Equal(Hex(regs[1]), Hex(regs[3]));
        Assert.Equal(Hex(regs[0]), Hex(regs[4]));
        Assert.Equal(126, s.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReverseStepi_IsOneStepEarlier_AndStepiComesBackToTheSameState()
    {
        await Task.Yield();
        var elf = Paths.Elf("rdimon.elf");
        const int n = 6;
        var commands = new List<string> { "break rdimon.c:28", "continue", "continue", "delete", "monitor cycles", "info registers", "x/16xw $sp" };
        for (int k = 0; k < n; k++) commands.AddRange(["reverse-stepi", "monitor cycles", "info registers", "x/16xw $sp"]);
        for (int k = 0; k < n; k++) commands.Add("stepi");
        commands.AddRange(["monitor cycles", "info registers", "x/16xw $sp", "kill"]);
        var s = Session(elf, ["--board", "ram"], [.. commands]);
        var o = s.Gdb.Output;
        var at = Positions(o);
        var regs = RegisterBlocks(o);
        var mem = MemoryDumps(o);
        Assert.Equal(n + 2, at.Count);
        Assert.Equal(n + 2, regs.Count);
        Assert.Equal(n + 2, mem.Count);
        // Each reverse-stepi is one instruction back (this stretch has no interrupt entries).
        for (int k = 1; k <= n; k++) Assert.Equal(at[k - 1].Instructions - 1, at[k].Instructions);
        // ... and the state there is what a forward run to that cycle has.
        for (int k = 1; k <= n; k++)
        {
            using var m = RunTo(Paths.RamBoard, elf, at[k].Cycles);
            Assert.Equal(at[k].Instructions, m.Cpu.Instructions);
            Assert.Equal(Hex(Registers(m)), Hex(regs[k]));
            uint sp = regs[k][13];
            Assert.Equal(Hex([.. Enumerable.Range(0, 16).Select(w => m.Bus.DebugRead32(sp + (uint)(4 * w)))]), Hex(mem[k]));
        }
        // n stepi forward again: identical to where it started.
        Assert.Equal(at[0], at[n + 1]);
        Assert.Equal(Hex(regs[0]), Hex(regs[n + 1]));
        Assert.Equal(Hex(mem[0]), Hex(mem[n + 1]));
    }

    [Fact(Timeout = Timeout)]
    public async Task HistoryOff_GdbSaysTheTargetCannotReverse()
    {
        await Task.Yield();
        var elf = Paths.Elf("rdimon.elf");
        var s = Session(elf, ["--board", "ram", "--gdb-history", "off"],
            "break rdimon.c:28", "continue", "reverse-stepi", "reverse-continue", "monitor history", "kill");
        var o = s.Gdb.Output;
        Assert.Contains("Target remote does not support this command.", o);
        Assert.Contains("reverse execution is off", o);
    }
    [Fact(Timeout = Timeout)]
    public async Task ReverseStepi_FromTheIrqVector_LandsBeforeTheInterruptEntry()
    {
        await Task.Yield();
        // timer_irq on versatilepb: the SP804's first interrupt enters the IRQ vector at 0x18 in the
        // middle of main's wait loop. The entry replaces an instruction: one step back from the
        // vector is the state before it, in System mode, with the interrupted instruction not run.
        var elf = Paths.Elf("timer_irq.elf");
        var s = Session(elf, [],
            "break *0x18", "continue", "monitor cycles", "info registers",
            "reverse-stepi", "monitor cycles", "info registers", "x/16xw $sp",
            "stepi", "monitor cycles", "info registers",
            "kill");
        var o = s.Gdb.Output;
        var at = Positions(o);
        var regs = RegisterBlocks(o);
        var mem = MemoryDumps(o);
        Assert.Equal(3, at.Count);
        Assert.Equal(3, regs.Count);
        var (vector, before, again) = (regs[0], regs[1], regs[2]);
        Assert.Equal(0x18u, vector[15]);
        Assert.Equal(0x12u, vector[16] & 0x1f);                  // IRQ mode
        Assert.Equal(0x1fu, before[16] & 0x1f);                  // System mode, as main runs
        Assert.Equal(0u, before[16] & 0x80);                     // IRQs enabled
        Assert.Equal(vector[14] - 4, before[15]);                // lr_irq = interrupted instruction + 4
        // The entry is not an instruction: one step, no instruction retired.
        Assert.Equal(at[0].Instructions, at[1].Instructions);
        Assert.True(at[1].Cycles < at[0].Cycles);
        // Exactly the state a forward run has at that cycle, and one step on it is the entry.
        using (var m = RunTo(Paths.Board, elf, at[1].Cycles))
        {
            Assert.Equal(Hex(Registers(m)), Hex(before));
            Assert.Equal(at[1].Instructions, m.Cpu.Instructions);
            Assert.True(m.Cpu.IrqAsserted);
            Assert.Equal(Hex([.. Enumerable.Range(0, 16).Select(w => m.Bus.DebugRead32(before[13] + (uint)(4 * w)))]), Hex(mem[0]));
        }
        // stepi enters the vector again, exactly as the first time.
        Assert.Equal(at[0], at[2]);
        Assert.Equal(Hex(vector), Hex(again));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReverseContinue_WithAWriteWatchpoint_StopsAtTheStore()
    {
        await Task.Yield();
        // gdbdemo stores counter = 1, 3, 6. Going back from after the third store, the watchpoint
        // stops at each store with the value from before it.
        var elf = Paths.DemoElf;
        var s = Session(elf, [],
            "break main", "continue", "watch counter",
            "continue", "continue", "continue",
            "reverse-continue", "print counter", "x/i $pc", "monitor cycles", "info registers",
            "reverse-continue", "print counter", "x/i $pc",
            "kill");
        var o = s.Gdb.Output;
        Assert.Matches(@"Old value = 3\s+New value = 6", o);
        Assert.Matches(@"Old value = 6\s+New value = 3", o);
        Assert.Matches(@"Old value = 3\s+New value = 1", o);
        var values = Regex.Matches(o, @"^\$\d+ = (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal([3, 1], values);
        Assert.Equal(2, Regex.Matches(o, @"=> 0x[0-9a-f]+ <main\+\d+>:\s+str\s+r3, \[r2\]").Count);
        var at = Positions(o);
        var regs = RegisterBlocks(o);
        using var m = RunTo(Paths.Board, elf, at[0].Cycles);
        Assert.Equal(Hex(Registers(m)), Hex(regs[0]));
        Assert.Equal(at[0].Instructions, m.Cpu.Instructions);
        Assert.Equal(3u, m.Bus.DebugRead32(m.Symbol("counter")));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReverseFinish_ReverseNext_ReverseStep()
    {
        await Task.Yield();
        var elf = Paths.DemoElf;
        var s = Session(elf, [],
            "break add", "continue", "continue", "delete",
            "reverse-finish", "x/i $pc", "print i",
            "reverse-next", "x/i $pc", "print i",
            "reverse-step", "x/i $pc", "print i",
            "next", "next", "print counter",
            "kill");
        var o = s.Gdb.Output;
        // Back out of the second add() to its call in main.
        Assert.Contains("Breakpoint 1, add (a=1, b=2) at gdbdemo.c:13", o);
        Assert.Contains("in main () at gdbdemo.c:22", o);
        Assert.Matches(@"=> 0x[0-9a-f]+ <main\+\d+>:\s+bl\s+0x[0-9a-f]+ <add>", o);
        // reverse-next: to the start of line 22 (still i = 2); reverse-step: back into the loop's
        // increment on line 21 (i = 1 before it).
        Assert.Contains("22\t        counter = add(counter, i);", o);
        Assert.Contains("21\t    for (int i = 1; i <= 3; i++)", o);
        var values = Regex.Matches(o, @"^\$\d+ = (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal([2, 2, 1, 3], values);
    }
}
