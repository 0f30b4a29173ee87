using System.CommandLine;
using SocSim.Cli;
using SocSim.Rtl;

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
