using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SocSim.Arm;
using SocSim.Boards;
using SocSim.Boards.Elf;
using SocSim.Cli.Features;

namespace SocSim.Cli;

/// <summary>
/// `socsim run [ELF] [--board FILE]... [--set K=V]... [--max-cycles N] [--stats] [--regs] [--uart NAME] [--uart-input FILE]`.
/// stdout carries the firmware's console UART (and semihosting output); stderr carries the simulator's.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo?>("ELF") { Description = "firmware ELF to run (default: the bundled timer-interrupt demo)", Arity = ArgumentArity.ZeroOrOne };
        var boards = new Option<string[]>("--board") { Description = "board JSON, or a bundled board by name (versatilepb, ram, overrides/slow-ram); repeat to layer overrides (later wins); default versatilepb" };
        var sets = new Option<string[]>("--set") { Description = "override one board key, e.g. memory.ram.waitStates.readN=2" };
        var maxCycles = new Option<long?>("--max-cycles") { Description = "stop after N CPU cycles (exit status 124)" };
        var stats = new Option<bool>("--stats") { Description = "print cycles, instructions, simulated and host time to stderr" };
        var regs = new Option<bool>("--regs") { Description = "print the registers of the current mode to stderr at the end" };
        var uart = new Option<string?>("--uart") { Description = "the UART connected to stdout (and --uart-input); default: the board's console UART" };
        var uartInput = new Option<FileInfo?>("--uart-input") { Description = "bytes to send to the UART's receive line, at its baud rate" };
        var sandbox = new Option<DirectoryInfo?>("--sandbox") { Description = "directory semihosting may open host files in (default: none)" };
        var semihosting = new Option<bool>("--semihosting") { Description = "enable semihosting even if the board does not" };
        var engine = new Option<string>("--engine") { Description = "translate (default: hot code translated to host code, results identical to the interpreter's) or interpret", DefaultValueFactory = _ => "translate" };
        engine.AcceptOnlyFromAmong("interpret", "translate");
        var cmd = new Command("run", "run firmware on a board")
        {
            elf, boards, sets, maxCycles, stats, regs, uart, uartInput, sandbox, semihosting, engine,
        };
        var features = RunFeatures.CreateAll();
        foreach (var f in features) f.AddOptions(cmd);
        cmd.SetAction(r => Run(r, features, r.GetValue(elf), r.GetValue(boards) ?? [], r.GetValue(sets) ?? [], r.GetValue(maxCycles),
            r.GetValue(stats), r.GetValue(regs), r.GetValue(uart), r.GetValue(uartInput), r.GetValue(sandbox), r.GetValue(semihosting),
            r.GetValue(engine) == "interpret" ? ExecutionEngine.Interpret : ExecutionEngine.Translate, r.GetResult(engine) is { Implicit: false }));
        return cmd;
    }

    private static int Run(ParseResult parse, IReadOnlyList<IRunFeature> features, FileInfo? elf, string[] boards, string[] sets, long? maxCycles, bool stats, bool regs,
        string? uartName, FileInfo? uartInput, DirectoryInfo? sandbox, bool semihosting, ExecutionEngine engine, bool engineNamed)
    {
        var boardFiles = Defaults.ResolveBoards(boards);
        string? elfPath = elf?.FullName;
        Machine machine;
        try
        {
            var board = BoardLoader.Load(boardFiles, sets);
            // With no ELF: the bundled firmware the board names, else the timer demo.
            elfPath ??= board.DefaultFirmware != null ? Defaults.Firmware(board.DefaultFirmware) : Defaults.DemoElf;
            machine = Machine.Create(board, new MachineOptions
            {
                // On a terminal, console output first erases a progress line (see ProgressFeature).
                Console = Console.IsOutputRedirected ? Console.OpenStandardOutput() : new ProgressAwareStream(Console.OpenStandardOutput()),
                ConsoleInput = Console.OpenStandardInput(),
                ConsoleUart = uartName,
                SandboxDirectory = sandbox?.FullName,
                CommandLine = Path.GetFileName(elfPath),
                ForceSemihosting = semihosting,
                Engine = engine,
            });
            machine.LoadElf(elfPath);
            if (uartInput != null)
            {
                var name = uartName ?? machine.ConsoleUart ?? throw new ArgumentException("--uart-input needs --uart NAME: the board has no console UART");
                machine.Uarts[name].EnqueueHostInput(File.ReadAllBytes(uartInput.FullName));
            }
        }
        catch (Exception e) when (e is BoardException or ElfException or IOException or ArgumentException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"socsim run: {e.Message}");
            return Defaults.ExitUsage;
        }

        using (machine)
        {
            // Ctrl-C stops the core at the next instruction boundary; features then flush their files.
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); machine.Cpu.RequestStop(); };
            Console.CancelKeyPress += onCancel;
            var context = new RunContext { Cancelled = cts.Token };
            var attached = new List<IRunFeature>();
            try
            {
                foreach (var f in features) { f.Attach(parse, machine, context); attached.Add(f); }
            }
            catch (Exception e) when (e is RunFeatureException or KeyNotFoundException or ArgumentException or IOException)
            {
                Console.Error.WriteLine($"socsim run: {e.Message}");
                return Defaults.ExitUsage;
            }
            var sw = Stopwatch.StartNew();
            RunResult result;
            try
            {
                result = context.Runner != null ? context.Runner(machine, maxCycles ?? long.MaxValue) : machine.Run(maxCycles ?? long.MaxValue);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
            {
                // A host-side failure (a file, the console) ends the run with a message, never a stack trace.
                Console.Error.WriteLine($"socsim run: host error during the run at pc=0x{machine.Cpu.Pc:X8}: {e.Message}");
                return Defaults.ExitStopped;
            }
            finally
            {
                sw.Stop();
                Console.CancelKeyPress -= onCancel;
            }
            foreach (var f in attached) f.Detach(parse, machine, result, context);
            try
            {
                foreach (var after in context.AfterDetach) after(machine, result);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"socsim run: {e.Message}");
                return Defaults.ExitStopped;
            }
            if (stats)
            {
                Console.Error.WriteLine(StatsLine(machine, result, sw.Elapsed.TotalSeconds));
                foreach (var line in context.StatsLines) Console.Error.WriteLine(line);
                // The translator's own figures when it was asked for by name (the stats line is the same for both engines).
                if (engineNamed && machine.Cpu.Translator is { } t)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"translate: blocks={t.BlocksCompiled} compile_us_per_block={t.CompileMicrosecondsPerBlock:F1} translated_instructions={t.TranslatedInstructions} share={(result.Instructions == 0 ? 0 : 100.0 * t.TranslatedInstructions / result.Instructions):F1}%"));
            }
            if (regs) Console.Error.WriteLine(RegsLine(machine));
            if (context.ExitStatus is int status) return status;
            switch (result.Reason)
            {
                case StopReason.Exit: return result.ExitCode!.Value;
                case StopReason.TimeLimit: return Defaults.ExitCycleLimit;
                case StopReason.CycleLimit:
                    Console.Error.WriteLine($"socsim run: cycle limit of {maxCycles} cycles reached at pc=0x{machine.Cpu.Pc:X8}");
                    return Defaults.ExitCycleLimit;
                case StopReason.Fault:
                    Console.Error.WriteLine($"socsim run: core stopped on a fault: {result.Fault}");
                    return Defaults.ExitFault;
                default:
                    Console.Error.WriteLine($"socsim run: stopped at pc=0x{machine.Cpu.Pc:X8}");
                    return Defaults.ExitStopped;
            }
        }
    }

    public static string StatsLine(Machine m, RunResult r, double hostSeconds) =>
        string.Create(CultureInfo.InvariantCulture,
            $"cycles={r.Cycles} instructions={r.Instructions} sim_ns={m.SimulatedNanoseconds} host_s={hostSeconds:F3} mips={(hostSeconds > 0 ? r.Instructions / hostSeconds / 1e6 : 0):F2}");

    /// <summary>Registers of the current mode; r15 is the address of the next instruction, as GDB shows pc.</summary>
    public static string RegsLine(Machine m)
    {
        var parts = new List<string>();
        for (int i = 0; i < 15; i++) parts.Add($"r{i}={m.Cpu.GetRegister(i):x8}");
        parts.Add($"r15={m.Cpu.Pc:x8}");
        parts.Add($"cpsr={m.Cpu.Cpsr:x8}");
        return string.Join(' ', parts);
    }
}
