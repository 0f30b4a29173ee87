using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// `--until`, `--break` and `--measure` on the kernel's virtual addresses (issue 20 section 1): the
/// ARM926EJ-S's pc is virtual once Linux has turned its MMU on, so start_kernel (0xC06409D8) and
/// calibrate_delay (0xC000A00C), the addresses `arm-none-eabi-nm vmlinux` gives, stop and time the run
/// there. The three agree: the pass measured from start_kernel to calibrate_delay is the break's cycle
/// minus the until's. With `--elf-symbols vmlinux` the same places go by name.
/// </summary>
public sealed class LinuxVirtualLocationTests
{
    private const string StartKernel = "0xc06409d8", CalibrateDelay = "0xc000a00c";

    private static Socsim.Result Boot(params string[] extra)
    {
        string l = LinuxBootFiles.SharedLinux;
        return Socsim.Run(["run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(l, "zImage"), "--dtb", Path.Combine(l, "versatile-pb.dtb"),
            "--initrd", Path.Combine(l, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init", "--quiet", .. extra]);
    }

    private static long Group(string text, string pattern)
    {
        var m = Regex.Match(text, pattern);
        Assert.True(m.Success, $"no match for {pattern} in:\n{text}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void UntilBreakAndMeasureStopAndTimeAtKernelVirtualAddresses()
    {
        var until = Boot("--until", StartKernel);
        Assert.True(until.ExitCode == 0, until.Stderr);
        long atStart = Group(until.Stderr, @"until 0xc06409d8 reached at cycle=(\d+) instructions=\d+ pc=0xC06409D8\n");

        var brk = Boot("--break", CalibrateDelay + ":1", "--measure", StartKernel + ":" + CalibrateDelay);
        Assert.True(brk.ExitCode == 0, brk.Stderr);
        long atCalibrate = Group(brk.Stderr, @"break 0xc000a00c#1 reached at cycle=(\d+) instructions=\d+ pc=0xC000A00C\n");
        long pass = Group(brk.Stderr, @"measure 0xc06409d8:0xc000a00c count=1 min=(\d+) ");
        Assert.True(atStart > 0 && atCalibrate > atStart, brk.Stderr);
        Assert.Equal(atCalibrate - atStart, pass);
    }

    [Fact]
    public void KernelSymbolsFromVmlinuxNameTheSamePlaces()
    {
        string vmlinux = Path.Combine(LinuxBootFiles.SharedLinux, "vmlinux");
        var r = Boot("--until", "calibrate_delay", "--measure", "start_kernel:calibrate_delay", "--break", "start_kernel+4:2", "--elf-symbols", vmlinux);
        Assert.True(r.ExitCode == 0, r.Stderr);
        // The address `arm-none-eabi-nm vmlinux` gives; start_kernel+4 is passed once on the way (its count 2 never stops).
        Group(r.Stderr, @"until calibrate_delay reached at cycle=(\d+) instructions=\d+ pc=0xC000A00C\n");
        Assert.Contains("socsim run: break start_kernel+4 hits=1", r.Stderr);
        Group(r.Stderr, @"measure start_kernel:calibrate_delay count=1 min=(\d+) ");
    }

    [Fact]
    public void AKernelSymbolWithoutSymbolsOrUnknownIsOneLine()
    {
        BadInputTests.AssertOneLine(Boot("--until", "start_kernel", "--max-cycles", "1000"),
            "socsim run: --until start_kernel: not a number, and no symbols to resolve it by: give --elf-symbols ELF (a --kernel zImage has none: --elf-symbols vmlinux)");
        BadInputTests.AssertOneLine(Boot("--measure", "start_kernel", "--max-cycles", "1000"),
            "socsim run: --measure start_kernel: no symbols to find the function in: give --elf-symbols ELF");
        string vmlinux = Path.Combine(LinuxBootFiles.SharedLinux, "vmlinux");
        BadInputTests.AssertOneLine(Boot("--break", "start_kernl", "--elf-symbols", vmlinux, "--max-cycles", "1000"),
            $"socsim run: --break start_kernl: no symbol start_kernl in {vmlinux} (did you mean start_kernel?)");
    }
}
