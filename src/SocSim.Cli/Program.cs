using System.CommandLine;
using SocSim.Cli;

var root = new RootCommand("SocSim: a cycle-accurate ARM7TDMI SoC simulator")
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
return Usage.Invoke(root, args);
