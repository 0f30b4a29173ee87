using System.Text.RegularExpressions;

namespace SocSim.Debug.Tests;

/// <summary>
/// gdb-multiarch against `socsim run --board versatilepb-arm926 --kernel zImage ... --gdb 0` with the
/// kernel's vmlinux as its symbol file: a breakpoint on a kernel function (a virtual address, reached
/// once the kernel has turned its MMU on) stops there, GDB reads virtual memory as the core translates
/// it (the same bytes `monitor phys` reads at the physical address), and `monitor tlb` lists the main
/// TLB's entries, among them the section mapping the kernel's text. Reverse execution works there too:
/// reverse-stepi and reverse-continue land on the forward run's kernel addresses and cycles.
/// </summary>
public sealed class Arm926LinuxGdbTests
{
    private const int Timeout = 600_000;

    private static string Linux => Path.GetFullPath(Path.Combine(Paths.RepoRoot, "..", "shared", "linux"));

    /// <summary>`socsim run --gdb 0` booting the shared kernel, waiting for GDB before the first instruction.</summary>
    private static SocsimProcess BootWithGdbStub() =>
        new(null, "--board", Path.Combine(Paths.RepoRoot, "boards", "versatilepb-arm926.json"),
            "--kernel", Path.Combine(Linux, "zImage"), "--dtb", Path.Combine(Linux, "versatile-pb.dtb"),
            "--initrd", Path.Combine(Linux, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init");

    [Fact(Timeout = Timeout)]
    public async Task BreaksOnAKernelFunction_ReadsVirtualMemory_MonitorPhysAndTlb()
    {
        await Task.Yield();
        string vmlinux = Path.Combine(Linux, "vmlinux");
        using var socsim = BootWithGdbStub();
        var gdb = Gdb.Batch(vmlinux, socsim.Port, ["break start_kernel", "continue", "print/x $pc", "x/2xw start_kernel",
            "monitor phys 0x006409d8 8", "monitor tlb", "info registers cpsr", "kill"]);
        int code = socsim.WaitForExit();
        var o = gdb.Output;
        // start_kernel is at 0xC06409D8 in vmlinux (arm-none-eabi-nm); PAGE_OFFSET 0xC0000000 maps RAM at 0.
        Assert.Contains("Breakpoint 1, 0xc06409d8 in start_kernel ()", o);
        Assert.Contains("$1 = 0xc06409d8", o);
        var words = Regex.Match(o, @"0xc06409d8 <start_kernel>:\s+0x([0-9a-f]{8})\s+0x([0-9a-f]{8})");
        Assert.True(words.Success, o);
        var phys = Regex.Match(o, @"0x006409d8:((?: [0-9a-f]{2}){8})");
        Assert.True(phys.Success, o);
        // The virtual read and the physical one are the same bytes (little-endian words).
        var bytes = phys.Groups[1].Value.Trim().Split(' ');
        Assert.Equal(string.Concat(bytes[..4].Reverse()), words.Groups[1].Value);
        Assert.Equal(string.Concat(bytes[4..].Reverse()), words.Groups[2].Value);
        Assert.Matches(@"set \d+ way \d: section va 0xc0600000 size 0x100000 pa 0x00600000 domain 0 ap 0x03 cb 3", o);
        // SVC mode, IRQ and FIQ masked, as the kernel enters start_kernel.
        var cpsr = Regex.Match(o, @"cpsr\s+0x([0-9a-f]+)");
        Assert.True(cpsr.Success, o);
        Assert.Equal(0xD3u, Convert.ToUInt32(cpsr.Groups[1].Value, 16) & 0xFF);
        Assert.Contains("[Inferior 1 (Remote target) killed]", o);
        Assert.Equal(126, code);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReverseStepAndContinueReturnToTheKernelsEarlierStates()
    {
        await Task.Yield();
        string vmlinux = Path.Combine(Linux, "vmlinux");
        using var socsim = BootWithGdbStub();
        var gdb = Gdb.Batch(vmlinux, socsim.Port, ["break *start_kernel", "break *calibrate_delay",
            "continue", "monitor cycles", "continue", "monitor cycles",
            "stepi", "stepi", "stepi", "print/x $pc", "monitor cycles",
            "reverse-stepi", "reverse-stepi", "reverse-stepi", "print/x $pc", "monitor cycles",
            "reverse-continue", "print/x $pc", "monitor cycles", "kill"]);
        int code = socsim.WaitForExit();
        var o = gdb.Output;
        // calibrate_delay's first three instructions run in line: 0xC000A00C, +4, +8, then 0xC000A018.
        Assert.Contains("Breakpoint 2, 0xc000a00c in calibrate_delay ()", o);
        Assert.Contains("$1 = 0xc000a018", o);
        Assert.Contains("$2 = 0xc000a00c", o);
        Assert.Contains("$3 = 0xc06409d8", o);
        var at = Regex.Matches(o, @"cycles=(\d+) instructions=(\d+)").Select(m => (C: long.Parse(m.Groups[1].Value), I: long.Parse(m.Groups[2].Value))).ToArray();
        Assert.True(at.Length == 5, o);
        var (atStart, atCalibrate, stepped, back, backToStart) = (at[0], at[1], at[2], at[3], at[4]);
        Assert.True(atCalibrate.C > atStart.C && stepped.C > atCalibrate.C, o);
        Assert.Equal(atCalibrate.I + 3, stepped.I);
        Assert.Equal(atCalibrate, back);          // three steps back: the breakpoint's cycle and count again
        Assert.Equal(atStart, backToStart);       // continue back: start_kernel's hit, exactly
        Assert.Contains("[Inferior 1 (Remote target) killed]", o);
        Assert.Equal(126, code);
    }
}
