using System.Text.RegularExpressions;

namespace SocSim.Debug.Tests;

/// <summary>
/// The real client: `gdb-multiarch -batch` against `socsim run firmware/gdbdemo.elf --gdb 0`.
/// gdbdemo's main calls add() (ARM) three times, storing each sum in the global `counter`, then
/// thumb_twice() (Thumb), and exits 0 when the result is 12.
/// </summary>
public sealed class GdbSessionTests
{
    private const int Timeout = Deadline.Ms;

    private static (Gdb.Result Gdb, int ExitCode, string Stdout, string Stderr) Session(string[] socsimArgs, string[] commands, string? interruptAfter = null, string? elf = null)
    {
        elf ??= Paths.DemoElf;
        using var socsim = new SocsimProcess(elf, socsimArgs);
        var gdb = Gdb.Batch(elf, socsim.Port, commands, interruptAfter);
        int code = socsim.WaitForExit();
        return (gdb, code, socsim.Stdout, socsim.Stderr);
    }

    private static (Gdb.Result Gdb, int ExitCode, string Stdout, string Stderr) Session(params string[] commands) => Session([], commands);

    [Fact(Timeout = Timeout)]
    public async Task CtrlC_InterruptsTheRunningFirmware()
    {
        await Task.Yield();
        // `b .` in RAM (with IRQ and FIQ masked: under GDB no core is stuck): the target runs until GDB
        // interrupts it (GDB is sent SIGINT shortly after GO; batch mode prints nothing on continuing).
        var s = Session([], ["break main", "continue", "set var *(unsigned int *)0x100000 = 0xeafffffe", "set var $pc = 0x100000",
            "monitor cycles", "echo GO\\n", "continue", "print/x $pc", "monitor cycles", "kill"], interruptAfter: "GO");
        var o = s.Gdb.Output;
        Assert.Contains("Program received signal SIGINT, Interrupt.", o);
        Assert.Contains("$1 = 0x100000", o);
        // Time moved on while it ran, however little: no figure that depends on the host's speed.
        var cycles = Regex.Matches(o, @"cycles=(\d+) ").Select(m => long.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(2, cycles.Count);
        Assert.True(cycles[1] >= cycles[0], o);
        Assert.Equal(126, s.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task BreakAtMain_ContinueToExit()
    {
        await Task.Yield();
        var s = Session("break main", "continue", "continue");
        Assert.Contains("Breakpoint 1, main () at gdbdemo.c:19", s.Gdb.Output);
        Assert.Contains("[Inferior 1 (Remote target) exited normally]", s.Gdb.Output);
        Assert.Equal(0, s.ExitCode);
        // The UART output still reaches the console.
        Assert.Equal("gdbdemo: start\ngdbdemo: done\n", s.Stdout);
        Assert.Contains("socsim: waiting for GDB on 127.0.0.1:", s.Stderr);
    }

    [Fact(Timeout = Timeout)]
    public async Task StepIntoAFunction()
    {
        await Task.Yield();
        var s = Session("break main", "continue", "next", "next", "next", "step", "bt", "step", "kill");
        var o = s.Gdb.Output;
        Assert.Contains("22\t        counter = add(counter, i);", o);
        Assert.Contains("add (a=0, b=1) at gdbdemo.c:13", o);
        Assert.Contains("#1  0x", o);
        Assert.Contains("in main () at gdbdemo.c:22", o);
        Assert.Contains("14\t    return sum;", o);
        Assert.Contains("[Inferior 1 (Remote target) killed]", o);
        Assert.Equal(126, s.ExitCode);   // killed: socsim reports a stopped run
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadAndChangeARegister()
    {
        await Task.Yield();
        var s = Session("break add", "continue", "info registers r0 r1 pc", "print $r1", "set var $r1 = 41", "print $r1", "finish", "delete", "continue");
        var o = s.Gdb.Output;
        Assert.Matches(@"r1\s+0x1\s+1", o);
        Assert.Matches(@"pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <add\+\d+>", o);
        Assert.Contains("$1 = 1", o);
        Assert.Contains("$2 = 41", o);
        // add()'s prologue already saved b on the stack: the copy in r1 is dead, so the result is still 0 + 1.
        Assert.Contains("Value returned is $3 = 1", o);
        Assert.Contains("exited normally", o);
        Assert.Equal(0, s.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task ChangeTheReturnValueRegister_ChangesTheProgram()
    {
        await Task.Yield();
        // Returning 100 from the first add() makes counter 105 and thumb_twice 210, so main returns 1.
        var s = Session("break add", "continue", "finish", "set var $r0 = 100", "print $r0", "delete", "break thumb_twice", "continue", "delete", "continue");
        var o = s.Gdb.Output;
        Assert.Contains("Value returned is $1 = 1", o);
        Assert.Contains("$2 = 100", o);
        Assert.Contains("x=105", o);
        Assert.Contains("exited with code 01", o);
        Assert.Equal(1, s.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadMemory()
    {
        await Task.Yield();
        using var m = Machine.Create([Paths.Board]);
        m.LoadElf(Paths.DemoElf);
        uint word = m.Bus.DebugRead32(m.Symbol("main"));
        var s = Session("break thumb_twice", "continue", "x/1xw main", "print counter", "x/4xb &counter", "kill");
        var o = s.Gdb.Output;
        Assert.Contains($"0x{word:x8}", o);
        Assert.Contains("$1 = 6", o);
        Assert.Matches(@"<counter>:\s+0x06\s+0x00\s+0x00\s+0x00", o);
    }

    [Fact(Timeout = Timeout)]
    public async Task WatchpointOnAGlobal()
    {
        await Task.Yield();
        var s = Session("break main", "continue", "watch counter", "continue", "continue", "rwatch counter", "continue", "delete", "continue");
        var o = s.Gdb.Output;
        Assert.Contains("Hardware watchpoint 2: counter", o);
        Assert.Matches(@"Old value = 0\s+New value = 1", o);
        Assert.Matches(@"Old value = 1\s+New value = 3", o);
        Assert.Contains("Hardware read watchpoint 3: counter", o);
        Assert.Matches(@"Value = 3", o);
        Assert.Contains("exited normally", o);
        Assert.Equal(0, s.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task CpsrInThumbCode()
    {
        await Task.Yield();
        var s = Session("break add", "continue", "print/x $cpsr", "print $cpsr & 0x20", "delete",
            "break thumb_twice", "continue", "print/x $cpsr", "print $cpsr & 0x20", "print/x $pc", "x/i $pc", "stepi", "print $cpsr & 0x20", "kill");
        var o = s.Gdb.Output;
        Assert.Contains("Breakpoint 2, thumb_twice (x=6) at gdbdemo_thumb.c:4", o);
        var t = Regex.Matches(o, @"\$\d+ = (\d+)\n").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["0", "32", "32"], t);
        // Thumb instructions are 2 bytes: GDB disassembles in Thumb state from the T bit it read.
        Assert.Matches(@"=> 0x[0-9a-f]+ <thumb_twice\+\d+>:\s+(ldr|str|movs|lsls|adds)", o);
    }

    [Fact(Timeout = Timeout)]
    public async Task MonitorCommands_TimeStandsStillWhileStopped()
    {
        await Task.Yield();
        var s = Session("break add", "continue", "monitor cycles", "shell sleep 0.3", "monitor cycles", "stepi", "monitor cycles", "monitor help", "monitor bogus", "kill");
        var o = s.Gdb.Output;
        var cycles = Regex.Matches(o, @"cycles=(\d+) instructions=(\d+)").Select(m => (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value))).ToList();
        Assert.Equal(3, cycles.Count);
        Assert.Equal(cycles[0], cycles[1]);
        Assert.Equal(cycles[0].Item2 + 1, cycles[2].Item2);
        Assert.InRange(cycles[2].Item1 - cycles[0].Item1, 1, 20);
        Assert.Contains("monitor reset", o);
        Assert.Contains("unknown monitor command 'bogus'", o);
    }

    [Fact(Timeout = Timeout)]
    public async Task BreakInAnInterruptHandler_OfTheBundledTimerDemo()
    {
        await Task.Yield();
        var elf = Path.Combine(Paths.RepoRoot, "firmware", "elf", "timer_irq.elf");
        var s = Session([], ["break timer0_isr", "continue", "bt", "print $cpsr & 0x1f", "delete", "continue"], elf: elf);
        var o = s.Gdb.Output;
        Assert.Contains("timer0_isr () at src/timer_irq.c:", o);
        Assert.Contains("in irq_handler () at common/start.S:", o);
        Assert.Contains("$1 = 18", o);   // IRQ mode
        Assert.Contains("exited normally", o);
        Assert.Equal(0, s.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Paths.RepoRoot, "firmware", "expected", "timer_irq.txt")), s.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task Detach_RunsTheFirmwareToItsEnd()
    {
        await Task.Yield();
        var s = Session("break add", "continue", "detach");
        Assert.Contains("[Inferior 1 (Remote target) detached]", s.Gdb.Output);
        Assert.Contains("socsim: GDB detached; running on", s.Stderr);
        Assert.Equal(0, s.ExitCode);
        Assert.Equal("gdbdemo: start\ngdbdemo: done\n", s.Stdout);
    }
}
