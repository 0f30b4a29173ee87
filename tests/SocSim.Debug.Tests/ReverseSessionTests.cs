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
    private const int Timeout = 180_000;

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

    /// <summary>Every `x/NNxw ADDR` dump, as its words.</summary>
    private static List<uint[]> MemoryDumps(string output)
    {
        var dumps = new List<uint[]>();
        List<uint>? current = null;
        foreach (var line in output.Split('\n'))
        {
            var m = Regex.Match(line, @"^0x[0-9a-f]+( <[^>]*>)?:\s+((0x[0-9a-f]{8}\s*)+)$");
            if (!m.Success) { current = null; continue; }
            if (current == null) { current = new List<uint>(); dumps.Add([]); }
            current.AddRange(Regex.Matches(m.Groups[2].Value, @"0x([0-9a-f]{8})").Select(w => uint.Parse(w.Groups[1].Value, NumberStyles.HexNumber)));
            dumps[^1] = current.ToArray();
        }
        return dumps;
    }

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
}
