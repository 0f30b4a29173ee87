using System.Text;

namespace SocSim.Cli.Tests;

/// <summary>
/// The Linux boot is the same run to run: two processes booting the shared kernel to its first console
/// line ("Booting Linux", after the decompressor, the MMU and caches on) stop at the same cycle, print
/// the same console text and write the same VCD (every signal of the board, traced over the last
/// million cycles before the stop) byte for byte but for its <c>$date</c>, the host's clock.
/// </summary>
public sealed class LinuxDeterminismTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-linux-determinism-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Socsim.Result Run, byte[] Vcd) Boot(string name)
    {
        string linux = LinuxBootFiles.SharedLinux, vcd = Path.Combine(_dir, name + ".vcd");
        var r = Socsim.Run("run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(linux, "zImage"), "--dtb", Path.Combine(linux, "versatile-pb.dtb"),
            "--initrd", Path.Combine(linux, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init",
            "--until-uart", "Booting Linux", "--vcd", vcd, "--vcd-from", "242000000", "--quiet");
        Assert.True(r.ExitCode == 0, r.Stderr);
        return (r, File.ReadAllBytes(vcd));
    }

    [Fact]
    public void TwoBootsHaveTheSameCyclesConsoleAndVcd()
    {
        var (a, vcdA) = Boot("a");
        var (b, vcdB) = Boot("b");
        Assert.Matches(@"^socsim run: the console printed 'Booting Linux' at cycle=\d+\n$", a.Stderr.Replace("\r", ""));
        Assert.Equal(a.Stderr, b.Stderr);
        Assert.Contains("Booting Linux", a.Stdout);
        Assert.Equal(a.Stdout, b.Stdout);
        // The header names the kernel the run booted (not the default firmware it did not load).
        Assert.Contains("socsim run zImage\n", Encoding.ASCII.GetString(vcdA, 0, 200));
        // The window holds the core's bus, registers and memory levels and the devices' signals.
        string defs = Encoding.ASCII.GetString(vcdA, 0, Math.Min(vcdA.Length, 20_000));
        foreach (string v in new[] { " HADDR ", " icache_fill ", " dcache_fill ", " tlb_walk ", " cpsr " })
            Assert.Contains(v, defs);
        Assert.True(vcdA.Length > 1_000_000, $"the VCD window holds {vcdA.Length} bytes");
        Assert.True(WithoutDate(vcdA).AsSpan().SequenceEqual(WithoutDate(vcdB)), "the two boots' VCDs differ");
    }

    /// <summary>The file after its <c>$date</c> section (the host's clock when it was written).</summary>
    private static byte[] WithoutDate(byte[] vcd)
    {
        string head = Encoding.ASCII.GetString(vcd, 0, Math.Min(vcd.Length, 100));
        Assert.StartsWith("$date", head);
        return vcd[(head.IndexOf("$end", StringComparison.Ordinal) + 4)..];
    }
}
