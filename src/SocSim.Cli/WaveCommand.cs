using System.CommandLine;
using SocSim.Trace.Vcd;
using SocSim.Waves;

namespace SocSim.Cli;

/// <summary>`socsim wave FILE.vcd -o OUT.png [--signals ...] [--from T] [--to T]`: a waveform picture of any VCD.</summary>
internal static class WaveCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE.vcd") { Description = "a VCD (from socsim run --vcd, Icarus Verilog, Verilator...)" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the PNG to write", Required = true };
        var signals = new Option<string[]>("--signals") { Description = "signals or globs in lane order, comma-separated or repeated (default: all; the picture grows a lane per signal, up to 400)" };
        var from = new Option<string?>("--from") { Description = "start time, e.g. 990us (a bare number is in the file's time units)" };
        var to = new Option<string?>("--to") { Description = "end time" };
        var width = new Option<int>("--width") { Description = "picture width in pixels", DefaultValueFactory = _ => 1600 }.InRange(300, 16384);
        var title = new Option<string?>("--title") { Description = "picture title" };
        var cmd = new Command("wave", "draw a VCD as a waveform PNG") { file, output, signals, from, to, width, title };
        cmd.SetAction(r =>
        {
            try
            {
                var png = r.GetValue(output)!.FullName;
                if (Directory.Exists(png)) throw new IOException($"-o {png}: is a directory (give the PNG file to write)");
                var f = VcdReader.Read(r.GetValue(file)!.FullName);
                var opts = new WaveformOptions
                {
                    Signals = (r.GetValue(signals) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                    FromFs = r.GetValue(from) is string a ? VcdDiffCommand.Time(a, f) : null,
                    ToFs = r.GetValue(to) is string b ? VcdDiffCommand.Time(b, f) : null,
                    Width = r.GetValue(width),
                    Title = r.GetValue(title),
                };
                VcdDiffCommand.CheckWindow(r.GetValue(from), r.GetValue(to), opts.FromFs, opts.ToFs);
                var (drawn, asked) = WaveformRenderer.RenderPng(f, png, opts);
                Console.Error.WriteLine(drawn == asked
                    ? $"socsim wave: wrote {png} ({drawn} signals)"
                    : $"socsim wave: wrote {png} with the first {drawn} of {asked} signals (a picture holds {drawn} lanes): choose the others with --signals");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException or ArgumentException or OverflowException)
            {
                Console.Error.WriteLine($"socsim wave: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}
