using System.Diagnostics;
using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>Assembles Thumb-2 with the installed arm-none-eabi-as (one call per distinct source, cached).</summary>
internal static class Asm
{
    private static readonly Dictionary<string, byte[]> Cache = new();

    public static byte[] Assemble(string source, string cpu = "cortex-m3")
    {
        string key = cpu + "\n" + source;
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var b)) return b;
            string dir = Path.Combine(Path.GetTempPath(), "socsim-cm-asm-" + Environment.ProcessId + "-" + Cache.Count);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "a.s"), ".syntax unified\n.thumb\n" + source + "\n");
            Run("arm-none-eabi-as", dir, $"-mcpu={cpu}", "-mthumb", "-o", "a.o", "a.s");
            Run("arm-none-eabi-objcopy", dir, "-O", "binary", "a.o", "a.bin");
            b = File.ReadAllBytes(Path.Combine(dir, "a.bin"));
            Directory.Delete(dir, true);
            Cache[key] = b;
            return b;
        }
    }

    private static void Run(string tool, string dir, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} did not start: install binutils-arm-none-eabi");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {err}");
    }
}

/// <summary>
/// A core on 128 KiB of zero-wait RAM at 0 and optionally a slow region at 0x2000_0000. The vector table is
/// at 0: SP = 0x8000, reset to 0x1000, every other vector to a handler stub at 0x3000 + 0x10 * n.
/// </summary>
internal sealed unsafe class TestCore : IDisposable
{
    public const uint Code = 0x1000, Stack = 0x8000, Handlers = 0x3000, Slow = 0x2000_0000;
    public readonly Scheduler Scheduler;
    public readonly Bus Bus;
    public readonly MemoryRegion Ram = new("ram", 0, 0x2_0000, RegionKind.Ram, 32, WaitStates.Zero);
    public readonly MemoryRegion SlowRam;
    public readonly CortexMCpu Cpu;

    public TestCore(CortexMProfile profile = CortexMProfile.V7M, WaitStates? slow = null, bool fpu = false, Scheduler? scheduler = null, int? interruptLines = null)
    {
        Scheduler = scheduler ?? Scheduler.CycleBased();
        Bus = new Bus(Scheduler);
        Bus.AddRegion(Ram);
        SlowRam = new MemoryRegion("slow", Slow, 0x1_0000, RegionKind.Ram, 32, slow ?? new WaitStates(2, 2, 2, 2));
        Bus.AddRegion(SlowRam);
        Cpu = new CortexMCpu(Bus, profile, fpu: fpu, interruptLines: interruptLines);
        Bus.DebugWrite32(0, Stack);
        Bus.DebugWrite32(4, Code | 1);
        for (uint n = 2; n < 16 + Cpu.InterruptLines; n++) Bus.DebugWrite32(4 * n, (Handlers + 0x10 * n) | 1);
    }

    /// <summary>Assembles <paramref name="source"/> at <paramref name="address"/> (default: the reset address).</summary>
    public TestCore Load(string source, uint address = Code, string cpu = "cortex-m3")
    {
        Bus.DebugWrite(address, Asm.Assemble(source, cpu));
        return this;
    }

    /// <summary>The handler stub of exception <paramref name="n"/>.</summary>
    public TestCore Handler(int n, string source, string cpu = "cortex-m3") => Load(source, Handlers + 0x10 * (uint)n, cpu);

    public TestCore Reset() { Cpu.Reset(); return this; }

    public void Dispose() { Bus.Dispose(); Ram.Dispose(); SlowRam.Dispose(); }
}
