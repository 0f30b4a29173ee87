namespace SocSim.Cli.Tests;

/// <summary>`socsim wave` draws every signal asked for (the picture grows a lane per signal) and says how many.</summary>
public sealed class WaveCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-wave-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MoreThan48SignalsAreAllDrawnAndCounted()
    {
        string vcd = Path.Combine(_dir, "all.vcd"), png = Path.Combine(_dir, "all.png");
        var run = Socsim.Run("run", "--max-cycles", "20000", "--vcd", vcd);
        Assert.Equal(124, run.ExitCode);
        int signals = SocSim.Trace.Vcd.VcdReader.Read(vcd).Variables.Count;
        Assert.True(signals > 48, $"{signals} signals");
        var r = Socsim.Run("wave", vcd, "-o", png);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal($"socsim wave: wrote {png} ({signals} signals)", r.Stderr.Trim());
        // 90 pixels of axes and title, 34 a lane: every lane is in the picture.
        using var f = File.OpenRead(png);
        var header = new byte[24];
        f.ReadExactly(header);
        int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20));
        Assert.Equal(90 + 34 * signals, height);
    }
}
