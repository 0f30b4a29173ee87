using System.Buffers.Binary;

namespace SocSim.Cli.Tests;

/// <summary>
/// Files for the Linux-boot command lines: a stand-in zImage (an ARMv4 program behind the zImage
/// header's magic word that prints "K", then unlocks SYS_LOCK and writes SYS_RESETCTL = 0x105, as
/// Linux's reboot does), the kernel's own DTB from shared/linux, and hostile images.
/// </summary>
public sealed class LinuxBootFiles : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "socsim-linux-cli", Guid.NewGuid().ToString("N"));
    public static string SharedLinux => Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "linux"));
    public static string Board => Path.Combine(Socsim.RepoRoot, "boards", "versatilepb-arm926.json");

    // arm-none-eabi-as -march=armv4t of the program described above, linked at RAM + 0x10000.
    private static readonly uint[] RebootingKernel =
    [
        0xEA00000A, 0, 0, 0, 0, 0, 0, 0, 0, 0x016F2818, 0, 0,
        0xE59F3048, 0xE3A04001, 0xE5834024, 0xE3A04060, 0xE583402C, 0xE59F4044, 0xE5834030, 0xE3A0404B,
        0xE5834000, 0xE3A0400A, 0xE5834000, 0xE5934018, 0xE3140008, 0x1AFFFFFC, 0xE59F3014, 0xE59F4014,
        0xE5834020, 0xE59F4010, 0xE5834040, 0xEAFFFFFE, 0x101F1000, 0x10000000, 0x0000A05F, 0x00000105, 0x00000301,
    ];

    public LinuxBootFiles()
    {
        Directory.CreateDirectory(Dir);
        var k = new byte[RebootingKernel.Length * 4];
        for (int i = 0; i < RebootingKernel.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(k.AsSpan(i * 4), RebootingKernel[i]);
        File.WriteAllBytes(Path.Combine(Dir, "reboot.zimage"), k);
        File.WriteAllBytes(Path.Combine(Dir, "notz.bin"), new byte[64]);
        var dtb = File.ReadAllBytes(Path.Combine(SharedLinux, "versatile-pb.dtb"));
        File.WriteAllBytes(Path.Combine(Dir, "cut.dtb"), dtb[..(dtb.Length / 2)]);
        File.WriteAllBytes(Path.Combine(Dir, "big.initrd"), new byte[(64 << 20) + 1]);
    }

    public string[] Expand(string[] args) => args.Select(a => a.Replace("{dir}", Dir).Replace("{linux}", SharedLinux).Replace("{board}", Board).Replace("{repo}", Socsim.RepoRoot)).ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// `socsim run --kernel/--dtb/--initrd/--append`, `--no-reboot` and `--until-uart`. The board is the
/// Versatile/PB926EJ-S board with its core set to the ARM7TDMI (`--set cpu.type=arm7tdmi`), which runs
/// the stand-in kernel; the loader and the devices are the same whatever the core.
/// </summary>
public sealed class LinuxBootCliTests(LinuxBootFiles files) : IClassFixture<LinuxBootFiles>
{
    private static readonly string[] Arm7 = ["--board", "{board}", "--set", "cpu.type=arm7tdmi"];

    private Socsim.Result Run(params string[] args) => Socsim.Run(files.Expand(["run", .. Arm7, .. args]));

    /// <summary>
    /// Linux runs with high vectors (CP15 c1.V: IRQ at 0xFFFF0018) and dispatches on VICIRQStatus itself,
    /// leaving the VIC's vector addresses 0: the latency lines time each line to the (high) IRQ vector and
    /// give no to_isr figure, instead of calling every interrupt never served.
    /// </summary>
    [Fact]
    public void StatsOnLinuxTimeTheTimerToTheHighIrqVector()
    {
        string l = LinuxBootFiles.SharedLinux;
        var r = Socsim.Run("run", "--board", "versatilepb-arm926", "--kernel", Path.Combine(l, "zImage"), "--dtb", Path.Combine(l, "versatile-pb.dtb"),
            "--initrd", Path.Combine(l, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init", "--max-time", "3s", "--stats", "--quiet");
        Assert.True(r.ExitCode == 124, r.Stderr);
        Assert.Matches(@"\nirq_latency vic\.4 \(timer0\.TIMINTC\) to_vector: count=\d{2,} min=", "\n" + r.Stderr);
        Assert.DoesNotContain("never served", r.Stderr);
        Assert.DoesNotContain("to_isr", r.Stderr);
    }

    [Fact]
    public void NoRebootEndsTheRunAtTheResetWithOneLineNamingTheCycle()
    {
        var r = Run("--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--no-reboot", "--max-cycles", "10000000");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("K\n", r.Stdout);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^socsim run: board reset at cycle=\d+ \(sysregs: SYS_RESETCTL written 0x105 \(RESETPUSH\) after SYS_LOCK was unlocked\); --no-reboot ends the run$", line);
        // The same cycle every run.
        Assert.Equal(line, Run("--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--no-reboot").Stderr.Trim());
    }

    [Fact]
    public void WithoutNoRebootTheBoardResetsAndBootsTheKernelAgain()
    {
        var r = Run("--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--max-time", "2ms");
        Assert.Equal(124, r.ExitCode);
        // Each boot prints K before it resets the board: the loader reloaded the image each time.
        Assert.True(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, r.Stdout);
        Assert.All(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Equal("K", l));
    }

    [Fact]
    public void LoaderPassesMachineNumberAndDtbInRegisters()
    {
        // One cycle in: the first instruction (a branch) is still in the pipeline, r0-r2 are the loader's.
        var r = Run("--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--initrd", "{linux}/rootfs.cpio.gz",
            "--append", "console=ttyAMA0 rdinit=/init", "--max-cycles", "1", "--regs");
        Assert.Equal(124, r.ExitCode);
        long initrd = new FileInfo(Path.Combine(LinuxBootFiles.SharedLinux, "rootfs.cpio.gz")).Length;
        uint dtb = (uint)((0x04000000 + initrd + 0xFFF) & ~0xFFFL);
        Assert.Contains($"r0=00000000 r1=00000183 r2={dtb:x8}", r.Stderr);
        Assert.Matches(@"cpsr=[0-9a-f]*d3\b", r.Stderr); // SVC mode, IRQ and FIQ masked, ARM state
    }

    [Fact]
    public void UntilUartStopsOnceTheConsoleHasPrintedTheText()
    {
        var r = Run("--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--until-uart", "K\n");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("K\n", r.Stdout);
        Assert.Matches(@"^socsim run: the console printed 'K ' at cycle=\d+\n$", r.Stderr.Replace("\r", ""));
    }

    [Fact]
    public void UntilUartOnTheArm7DemoFirmware()
    {
        var r = Socsim.Run("run", "--until-uart", "tick 2\n");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.EndsWith("tick 2\n", r.Stdout);
        Assert.DoesNotContain("tick 3", r.Stdout);
        var lpc = Socsim.Run("run", "--board", "lpc2106", "--until-uart", "LPC2106", "--max-time", "1s");
        Assert.True(lpc.ExitCode == 0, lpc.Stderr);
        Assert.Contains("LPC2106", lpc.Stdout);
    }

    [Fact]
    public void UntilUartTextNeverPrintedLeavesTheRunToItsLimit()
    {
        var r = Socsim.Run("run", "--until-uart", "never printed", "--max-cycles", "100000");
        Assert.Equal(124, r.ExitCode);
        Assert.DoesNotContain("console printed", r.Stderr);
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["--kernel", "{dir}/notz.bin", "--dtb", "{linux}/versatile-pb.dtb"], "socsim run: --kernel {dir}/notz.bin: not a zImage (no magic 0x016F2818 at offset 0x24)" },
        { ["--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/zImage"], "socsim run: --dtb {linux}/zImage: not a device tree blob (magic 0x0000A0E1, expected 0xD00DFEED)" },
        { ["--kernel", "{dir}/reboot.zimage", "--dtb", "{dir}/cut.dtb"], "socsim run: --dtb {dir}/cut.dtb: truncated device tree blob (header says 9080 bytes, the file has 4540)" },
        { ["--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--initrd", "{dir}/big.initrd"], "socsim run: --initrd {dir}/big.initrd: 67108865 bytes at 0x04000000 do not fit in RAM (it ends at 0x08000000)" },
        { ["--kernel", "{dir}/missing", "--dtb", "{linux}/versatile-pb.dtb"], "socsim run: --kernel {dir}/missing: cannot read: no such file" },
        { ["--kernel", "{dir}/reboot.zimage"], "socsim run: --kernel needs --dtb (the kernel is given a device tree, not ATAGS)" },
        { ["--dtb", "{linux}/versatile-pb.dtb"], "socsim run: --dtb needs --kernel" },
        { ["--until-uart", ""], "socsim run: --until-uart: expected some text to wait for, got an empty string" },
    };

    [Theory, MemberData(nameof(BadInput))]
    public void BadInputIsOneLineExit2(string[] args, string expected)
    {
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(files.Expand([expected])[0], r.Stderr.TrimEnd('\n', '\r'));
    }

    [Fact]
    public void KernelOnABoardWithoutRamAtZero()
    {
        var r = Socsim.Run(files.Expand(["run", "--board", "lpc2106", "--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb"]));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("socsim run: --kernel: the board has no RAM at address 0 (its memory: flash ROM 0x00000000-0x0001FFFF, sram RAM 0x40000000-0x4000FFFF, bootblock ROM 0x7FFFE000-0x7FFFFFFF)", r.Stderr.Trim());
    }
}
