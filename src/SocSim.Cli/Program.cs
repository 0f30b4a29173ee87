using System.CommandLine;
using SocSim.Cli;

var root = new RootCommand("SocSim: a cycle-accurate ARM7TDMI SoC simulator");
root.Subcommands.Add(ConformanceCommand.Create());
return root.Parse(args).Invoke();
