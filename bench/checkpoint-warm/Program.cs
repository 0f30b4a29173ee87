// In-process checkpoint cost once the JIT is warm: `dotnet run -c Release -- BOARD[,BOARD...] ELF CYCLES`
// runs ELF to CYCLES, then saves and loads the whole SoC six times, printing size and times.
using System.Diagnostics;
using SocSim;

var m = Machine.Create(args[0].Split(','), [], new MachineOptions { Warnings = TextWriter.Null });
m.LoadElf(args[1]);
m.Run(long.Parse(args[2]));
for (int i = 0; i < 6; i++)
{
    var ms = new MemoryStream();
    var sw = Stopwatch.StartNew();
    m.SaveState(ms);
    double save = sw.Elapsed.TotalMilliseconds;
    ms.Position = 0;
    sw.Restart();
    m.LoadState(ms);
    Console.WriteLine($"bytes={ms.Length} save_ms={save:F2} load_ms={sw.Elapsed.TotalMilliseconds:F2}");
}
