using System.Diagnostics;

namespace SocSim.Debug.Tests;

/// <summary>Small Thumb programs for the Cortex-M boards, assembled by arm-none-eabi-gcc at test time.</summary>
internal static class ThumbFirmware
{
    /// <summary>Assembles and links <paramref name="source"/> at address 0 (vector table first) into <paramref name="dir"/>/<paramref name="name"/>.elf.</summary>
    public static string Build(string dir, string name, string source, string cpu)
    {
        string s = Path.Combine(dir, name + ".s"), elf = Path.Combine(dir, name + ".elf");
        File.WriteAllText(s, source + "\n");
        var psi = new ProcessStartInfo("arm-none-eabi-gcc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"-mcpu={cpu}", "-mthumb", "-nostdlib", "-Wl,-Ttext=0", "-Wl,-e,reset", s, "-o", elf })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        return elf;
    }

    /// <summary>
    /// ARMv6-M (so it runs on the M0 and the M3/M4 alike): SysTick every 3,000 cycles, its handler
    /// (<c>systick</c>) counts in RAM, and the main loop sleeps in WFI between ticks. Built once per test run.
    /// </summary>
    public static string SysTickWfi => s_sysTickWfi.Value;

    private static readonly Lazy<string> s_sysTickWfi = new(() =>
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "built-firmware");
        Directory.CreateDirectory(dir);
        return Build(dir, "systick_wfi", SysTickWfiSource, "cortex-m0");
    });

    private const string SysTickWfiSource = """
            .syntax unified
            .cpu cortex-m0
            .thumb
            .text
            .word 0x20008000
            .word reset
            .rept 13
            .word fault
            .endr
            .word systick
            .thumb_func
            .global reset
        reset:
            ldr r0, =0xE000E010
            ldr r1, =2999
            str r1, [r0, #4]
            movs r1, #0
            str r1, [r0, #8]
            movs r1, #7
            str r1, [r0]
            movs r4, #0
        loop:
            adds r4, r4, #1
            wfi
            b loop
            .thumb_func
            .global systick
        systick:
            ldr r0, =0x20000000
            ldr r1, [r0]
            adds r1, r1, #1
            str r1, [r0]
            lsls r2, r1, #3
            adds r3, r2, r1
            str r3, [r0, #4]
            bx lr
            .thumb_func
        fault:
            b fault
            .ltorg
        """;
}
