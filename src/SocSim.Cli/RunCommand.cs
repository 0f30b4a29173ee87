using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SocSim.Arm;
using SocSim.Boards;
using SocSim.Boards.Elf;
using SocSim.Cli.Features;
using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Cli;

/// <summary>
/// `socsim run [ELF] [--board FILE]... [--set K=V]... [--max-cycles N] [--stats] [--regs] [--uart NAME] [--uart-input FILE]`.
/// stdout carries the firmware's console UART (and semihosting output); stderr carries the simulator's.
/// </summary>
internal static class RunCommand
{
    /// <summary>The options `socsim run` and `socsim resume` share.</summary>
    private sealed class RunOptions
    {
        public readonly Option<string[]> Boards = new("--board") { Description = Defaults.BoardHelp("repeat to layer overrides (later wins); default versatilepb") };
        public readonly Option<string[]> Sets = new("--set") { Description = "override one board key, e.g. memory.ram.waitStates.readN=2" };
        public readonly Option<long?> MaxCycles = new Option<long?>("--max-cycles") { Description = "stop after N CPU cycles (exit status 124)" }.InRange(1, long.MaxValue);
        public readonly Option<bool> Stats = new("--stats") { Description = "print cycles, instructions, simulated and host time to stderr" };
        public readonly Option<bool> Regs = new("--regs") { Description = "print the registers of the current mode to stderr at the end" };
        public readonly Option<string?> Uart = new("--uart") { Description = "the UART connected to stdout (and --uart-input); default: the board's console UART" };
        public readonly Option<FileInfo?> UartInput = new("--uart-input") { Description = "bytes to send to the UART's receive line, at its baud rate" };
        public readonly Option<DirectoryInfo?> Sandbox = new("--sandbox") { Description = "directory semihosting may open host files in (default: none)" };
        public readonly Option<bool> Semihosting = new("--semihosting") { Description = "enable semihosting even if the board does not" };
        public readonly Option<string> Engine = new("--engine") { Description = "translate (default: hot code translated to host code, results identical to the interpreter's) or interpret", DefaultValueFactory = _ => "translate" };
        public readonly Option<long?> TranslateAfter = new Option<long?>("--translate-after")
        {
            Description = $"instructions run before the translator compiles anything (default {SocSim.Arm.Translation.BlockTranslator.ShortRunInstructions}: a shorter run pays nothing for it; 0: hot code from the start); results are the same either way",
        }.InRange(0, long.MaxValue);
        public readonly IReadOnlyList<IRunFeature> Features = RunFeatures.CreateAll();

        public RunOptions() => Engine.AcceptOnlyFromAmong("interpret", "translate");

        public void AddTo(Command cmd)
        {
            foreach (var o in new Option[] { Boards, Sets, MaxCycles, Stats, Regs, Uart, UartInput, Sandbox, Semihosting, Engine, TranslateAfter }) cmd.Options.Add(o);
            foreach (var f in Features) f.AddOptions(cmd);
        }
    }

    public static Command Create()
    {
        var elf = new Argument<FileInfo?>("ELF") { Description = "firmware ELF to run (default: the bundled timer-interrupt demo)", Arity = ArgumentArity.ZeroOrOne };
        var o = new RunOptions();
        var cmd = new Command("run", "run firmware on a board") { elf };
        o.AddTo(cmd);
        var linux = new LinuxBootOptions();
        linux.AddTo(cmd);
        cmd.SetAction(r => Run(r, o, r.GetValue(elf)?.FullName, null, linux));
        return cmd;
    }

    /// <summary>
    /// `socsim resume FILE [--elf ELF] [run options]`: builds the machine the checkpoint was saved on
    /// (its board files and ELF, recorded in it, unless given here: then they must be the same), loads
    /// the checkpoint and runs on as `socsim run` would have.
    /// </summary>
    public static Command CreateResume()
    {
        var state = new Argument<FileInfo>("FILE") { Description = "a checkpoint written by `socsim run --save-state FILE --at WHEN`" };
        var elf = new Option<FileInfo?>("--elf") { Description = "the ELF (default: the one recorded in the state, which it must equal)" };
        var o = new RunOptions();
        var cmd = new Command("resume", "continue a run from a checkpoint saved with `socsim run --save-state`") { state, elf };
        o.AddTo(cmd);
        cmd.SetAction(r => Run(r, o, r.GetValue(elf)?.FullName, r.GetValue(state)!.FullName));
        return cmd;
    }

    private static int Run(ParseResult parse, RunOptions o, string? elfPath, string? statePath, LinuxBootOptions? linux = null)
    {
        string verb = statePath == null ? "run" : "resume";
        var features = o.Features;
        long? maxCycles = parse.GetValue(o.MaxCycles);
        bool stats = parse.GetValue(o.Stats), regs = parse.GetValue(o.Regs);
        string? uartName = parse.GetValue(o.Uart);
        var uartInput = parse.GetValue(o.UartInput);
        var engine = parse.GetValue(o.Engine) == "interpret" ? ExecutionEngine.Interpret : ExecutionEngine.Translate;
        bool engineNamed = parse.GetResult(o.Engine) is { Implicit: false };
        string[] boards = parse.GetValue(o.Boards) ?? [], sets = parse.GetValue(o.Sets) ?? [];
        Machine machine;
        string? loadedLine = null;
        try
        {
            CheckpointHeader? header = null;
            IReadOnlyList<string> boardFiles;
            IReadOnlyList<string> boardSets = sets;
            if (statePath != null)
            {
                header = Machine.ReadCheckpointHeader(statePath);
                if (boards.Length > 0) boardFiles = Defaults.ResolveBoards(boards);
                else
                {
                    boardFiles = header.BoardFiles;
                    foreach (var f in boardFiles)
                        if (!File.Exists(f)) throw new ArgumentException($"{statePath}: the board file {f} the state was saved with no longer exists (give --board)");
                }
                if (sets.Length == 0) boardSets = header.BoardSets;
                // A state saved without an ELF (a --kernel boot) holds every page it needs: nothing is loaded.
                if (elfPath == null && header.ElfPath != null)
                {
                    elfPath = header.ElfPath;
                    if (!File.Exists(elfPath)) throw new ArgumentException($"{statePath}: the ELF {elfPath} the state was saved with no longer exists (give --elf)");
                }
            }
            else boardFiles = Defaults.ResolveBoards(boards);
            var board = BoardLoader.Load(boardFiles, boardSets);
            var kernel = linux?.Images(parse, elfPath);
            // With no ELF and no kernel: the bundled firmware the board names, else the timer demo.
            if (header == null && kernel == null) elfPath ??= board.DefaultFirmware != null ? Defaults.Firmware(board.DefaultFirmware) : Defaults.DemoElf;
            machine = Machine.Create(board, new MachineOptions
            {
                // On a terminal, console output first erases a progress line (see ProgressFeature).
                Console = Console.IsOutputRedirected ? Console.OpenStandardOutput() : new ProgressAwareStream(Console.OpenStandardOutput()),
                ConsoleInput = Console.OpenStandardInput(),
                ConsoleUart = uartName,
                SandboxDirectory = parse.GetValue(o.Sandbox)?.FullName,
                CommandLine = Path.GetFileName(kernel?.Kernel ?? elfPath ?? ""),
                ForceSemihosting = parse.GetValue(o.Semihosting),
                Engine = engine,
                // A short run pays nothing for the translator (BlockTranslator.HoldOff).
                TranslationHoldOff = parse.GetValue(o.TranslateAfter) ?? SocSim.Arm.Translation.BlockTranslator.ShortRunInstructions,
                StopWhenStuck = true,
                // --quiet: device warnings (a PLL outside its range, an abort) are kept in Machine.Warnings only.
                Warnings = features.OfType<ProgressFeature>().Any(f => f.IsQuiet(parse)) ? TextWriter.Null : null,
            });
            if (kernel != null) machine.LoadLinux(kernel);
            else if (elfPath != null) machine.LoadElf(elfPath);
            if (header != null)
            {
                // LoadState refuses another board or ELF, naming what differs.
                var clock = Stopwatch.StartNew();
                machine.LoadState(statePath!);
                loadedLine = string.Create(CultureInfo.InvariantCulture, $"state: loaded bytes={new FileInfo(statePath!).Length} load_ms={clock.Elapsed.TotalMilliseconds:F1}");
            }
            if (uartInput != null)
            {
                var name = uartName ?? machine.ConsoleUart ?? throw new ArgumentException("--uart-input needs --uart NAME: the board has no console UART");
                machine.Uarts[name].EnqueueHostInput(File.ReadAllBytes(uartInput.FullName));
            }
        }
        catch (Exception e) when (e is BoardException or ElfException or IOException or ArgumentException or KeyNotFoundException or StateException or SocSim.Boards.Linux.LinuxBootException)
        {
            Console.Error.WriteLine($"socsim {verb}: {e.Message}");
            return Defaults.ExitUsage;
        }

        using (machine)
        {
            // Ctrl-C stops the core at the next instruction boundary; features then flush their files.
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); machine.RequestStop(); };
            Console.CancelKeyPress += onCancel;
            var context = new RunContext { Cancelled = cts.Token };
            if (loadedLine != null) context.StatsLines.Add(loadedLine);
            var attached = new List<IRunFeature>();
            try
            {
                foreach (var f in features) f.Prepare(parse, machine, context);
                foreach (var f in features) { f.Attach(parse, machine, context); attached.Add(f); }
                if (context.Symbols != null && !context.SymbolsWanted)
                    throw new RunFeatureException("--elf-symbols: names code only for --profile, --until, --break and --measure; add one");
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
                Console.Error.WriteLine($"socsim run: host error during the run at pc=0x{machine.Core.Pc:X8}: {e.Message}");
                return Defaults.ExitStopped;
            }
            finally
            {
                sw.Stop();
                Console.CancelKeyPress -= onCancel;
            }
            // Every feature writes what it has, even when another could not (a full disk): the first failure decides the exit status.
            int? hostError = null;
            foreach (var f in attached)
            {
                try { f.Detach(parse, machine, result, context); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"socsim {verb}: cannot finish writing the results: {SocSim.Core.HostInput.Reason(e)}");
                    hostError ??= Defaults.ExitStopped;
                }
            }
            try
            {
                foreach (var after in context.AfterDetach) after(machine, result);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"socsim {verb}: cannot finish writing the results: {SocSim.Core.HostInput.Reason(e)}");
                return Defaults.ExitStopped;
            }
            if (hostError is int h) return h;
            if (stats)
            {
                Console.Error.WriteLine(StatsLine(machine, result, sw.Elapsed.TotalSeconds));
                if (machine.Core is SocSim.Core.Cores.ICoreStatistics coreStats)
                    foreach (var line in coreStats.StatisticsLines()) Console.Error.WriteLine(line);
                foreach (var line in context.StatsLines) Console.Error.WriteLine(line);
                // The translator's own figures when it was asked for by name (the stats line is the same for both engines).
                if (engineNamed && machine.Core is ArmCpu { Translator: { } t })
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"translate: blocks={t.BlocksCompiled} compile_us_per_block={t.CompileMicrosecondsPerBlock:F1} translated_instructions={t.TranslatedInstructions} share={(result.Instructions == 0 ? 0 : 100.0 * t.TranslatedInstructions / result.Instructions):F1}% device_accesses={t.DeviceAccesses} device_exits={t.DeviceExits} interrupt_entries={t.InterruptEntries} region_entries={t.BlockRuns} next_entry_hits={t.NextEntryHits} msr_resumes={t.MsrResumes}"));
                // What the interpreter executed instead, by kind, largest first.
                if (engineNamed && machine.Core is ArmCpu { Translator: { } tf }) Console.Error.WriteLine("fallback: " + tf.Fallback.Format());
            }
            if (regs) Console.Error.WriteLine(RegsLine(machine));
            if (context.ExitStatus is int status) return status;
            switch (result.Reason)
            {
                case StopReason.Exit: return result.ExitCode!.Value;
                case StopReason.TimeLimit: return Defaults.ExitCycleLimit;
                case StopReason.CycleLimit:
                    Console.Error.WriteLine($"socsim run: cycle limit of {maxCycles} cycles reached at pc=0x{machine.Core.Pc:X8}");
                    return Defaults.ExitCycleLimit;
                case StopReason.Fault:
                    Console.Error.WriteLine($"socsim run: core stopped on a fault: {result.Fault}");
                    return Defaults.ExitFault;
                case StopReason.Stuck:
                    Console.Error.WriteLine($"socsim run: the core is {result.Fault}");
                    return Defaults.ExitFault;
                default:
                    Console.Error.WriteLine($"socsim run: stopped at pc=0x{machine.Core.Pc:X8}");
                    return Defaults.ExitStopped;
            }
        }
    }

    public static string StatsLine(Machine m, RunResult r, double hostSeconds) =>
        string.Create(CultureInfo.InvariantCulture,
            $"cycles={r.Cycles} instructions={r.Instructions} sim_ns={m.SimulatedNanoseconds} host_s={hostSeconds:F3} mips={(hostSeconds > 0 ? r.Instructions / hostSeconds / 1e6 : 0):F2}");

    /// <summary>The <c>--regs</c> line: <see cref="Machine.RegisterLine"/>.</summary>
    public static string RegsLine(Machine m) => m.RegisterLine();
}
