using System.CommandLine;
using SocSim.Cli;
using SocSim.Rtl;

// A command that loads a board needs the device and core catalogs (every model's declaration, 50 ms of CPU):
// they are discovered on another thread while System.CommandLine builds the commands (as long again).
// A failure there is left for the main thread to meet again (a type initializer's exception is kept).
if (args is ["run" or "resume" or "bench" or "board" or "sweep", ..])
    new Thread(() =>
    {
        try { _ = SocSim.Boards.PeripheralCatalog.All; _ = SocSim.Boards.CoreCatalog.Default; }
        catch (Exception) { }
    }) { IsBackground = true, Name = "catalog warm-up" }.Start();

var root = new RootCommand("SocSim: a cycle-accurate ARM SoC simulator (ARM7TDMI, ARM926EJ-S, Cortex-M0/M3/M4/M4F)")
{
    RunCommand.Create(),
    RunCommand.CreateResume(),
    BoardCommand.Create(),
    ConformanceCommand.Create(),
    BenchCommand.Create(),
    WaveCommand.Create(),
    VcdDiffCommand.Create(),
    SweepCommand.Create(),
    RtlCommand.Create(),
};
// An RTL model built for the first time takes seconds: say so rather than sit silent.
VerilatorBuild.Progress += line => Console.Error.WriteLine("socsim: " + line);
return Usage.Invoke(root, args);
