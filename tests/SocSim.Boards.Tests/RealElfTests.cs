using System.Diagnostics;
using SocSim.Boards.Elf;
using SocSim.Core;
using Xunit.Abstractions;

namespace SocSim.Boards.Tests;

/// <summary>
/// Parses real toolchain output: every *.elf under the repository's firmware/ (or under
/// $SOCSIM_FIRMWARE_DIR), and one ELF compiled here with arm-none-eabi-gcc. With neither firmware nor
/// compiler the test fails rather than pass on synthetic input alone.
/// </summary>
public sealed class RealElfTests(ITestOutputHelper output)
{
    private static string FirmwareDir =>
        Environment.GetEnvironmentVariable("SOCSIM_FIRMWARE_DIR") is { Length: > 0 } d ? d : Path.Combine(TestFiles.RepoRoot, "firmware");

    private static string? FindGcc()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string p = Path.Combine(dir, "arm-none-eabi-gcc");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    [Fact]
    public void FirmwareElfsParseAndLoadIntoTheirBoards()
    {
        var elfs = Directory.Exists(FirmwareDir)
            ? Directory.GetFiles(FirmwareDir, "*.elf", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
        if (elfs.Count == 0)
        {
            Assert.True(FindGcc() != null,
                $"no *.elf under {FirmwareDir} and no arm-none-eabi-gcc on PATH: no real ELF file can be tested");
            output.WriteLine($"no *.elf under {FirmwareDir}; GccBuiltElfParsesAndLoads covers real toolchain output");
            return;
        }
        foreach (var path in elfs)
        {
            // The LPC2106 firmware links for that chip's flash and SRAM.
            var board = BoardLoader.Load(Path.Combine(TestFiles.BoardsDir,
                Path.GetFileName(path).StartsWith("lpc2106", StringComparison.Ordinal) ? "lpc2106.json" : "versatilepb.json"));
            var elf = ElfFile.Parse(path);
            Assert.NotEmpty(elf.LoadSegments);
            Assert.NotEmpty(elf.Symbols);
            using var bus = new Bus(Scheduler.CycleBased());
            var regions = board.Memory.Select(r => r.CreateRegion()).ToList();
            try
            {
                foreach (var r in regions) bus.AddRegion(r);
                var result = ElfLoader.Load(elf, bus);
                output.WriteLine($"{path}: entry 0x{result.Entry:X8}, {elf.LoadSegments.Count()} segments, {elf.Symbols.Count} symbols, {elf.Functions.Count} functions");
                var fn = elf.Functions.FirstOrDefault(f => f.Size > 0);
                if (fn != null) Assert.Equal(fn, elf.FunctionAt(fn.Address + fn.Size - 1));
            }
            finally
            {
                foreach (var r in regions) r.Dispose();
            }
        }
    }

    private const string Source = """
        int counter;
        int data = 5;
        __attribute__((target("thumb"), noinline)) int thumb_fn(int x) { return x * 3 + 1; }
        __attribute__((noinline)) int arm_fn(int x) { return thumb_fn(x) + counter; }
        const unsigned table[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
        void _start(void) { counter = arm_fn(data) + (int)table[data & 3]; for (;;) { } }
        """;

    [Fact]
    public void GccBuiltElfParsesAndLoads()
    {
        // Without the compiler this test fails rather than passing untested (test.sh installs it).
        string gcc = FindGcc() ?? throw new Xunit.Sdk.XunitException(
            "arm-none-eabi-gcc is not on PATH: install the Debian package gcc-arm-none-eabi (./test.sh does)");
        using var files = new TestFiles();
        string c = files.Write("t.c", Source);
        string elfPath = Path.Combine(files.Dir, "t.elf");
        var psi = new ProcessStartInfo(gcc, ["-mcpu=arm7tdmi", "-marm", "-mthumb-interwork", "-O1", "-nostdlib", "-nostartfiles",
            "-Wl,-Ttext=0x8000", "-Wl,-e,_start", "-o", elfPath, c])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using (var p = Process.Start(psi)!)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "arm-none-eabi-gcc failed: " + err);
        }

        var elf = ElfFile.Parse(elfPath);
        var start = elf.FindSymbol("_start")!;
        Assert.Equal(start.Value, elf.Entry);
        Assert.False(start.IsThumb);
        var thumb = elf.FindSymbol("thumb_fn")!;
        Assert.True(thumb.IsThumb);
        Assert.Equal(thumb.Value & ~1u, thumb.Address);
        Assert.Equal(ElfSymbolType.Func, thumb.Type);
        Assert.Equal(thumb, elf.FunctionAt(thumb.Address + 2));
        Assert.Equal("arm_fn", elf.FunctionAt(elf.FindSymbol("arm_fn")!.Address)!.Name);
        Assert.Contains(elf.MappingSymbols, m => m.Kind == ArmMappingKind.Thumb && m.Address == thumb.Address);
        Assert.Contains(elf.MappingSymbols, m => m.Kind == ArmMappingKind.Arm);
        Assert.Equal(ArmMappingKind.Thumb, elf.MappingAt(thumb.Address));
        var data = elf.FindSymbol("data")!;
        var counter = elf.FindSymbol("counter")!;
        Assert.Equal((ElfSymbolType.Object, 4u), (data.Type, data.Size));

        using var bus = new Bus(Scheduler.CycleBased());
        using var ram = new MemoryRegion("ram", 0, 0x100000, RegionKind.Ram, 32, WaitStates.Zero);
        ram.AsSpan().Fill(0xEE);
        bus.AddRegion(ram);
        var result = ElfLoader.Load(elf, bus);
        Assert.Equal(elf.Entry, result.Entry);
        Assert.Equal(5u, bus.DebugRead32(data.Address));
        Assert.Equal(0u, bus.DebugRead32(counter.Address)); // .bss zeroed
        var table = elf.FindSymbol("table")!;
        Assert.Equal(0x33333333u, bus.DebugRead32(table.Address + 8));
        output.WriteLine($"entry 0x{elf.Entry:X8}; segments: {string.Join(", ", elf.LoadSegments.Select(s => $"0x{s.PhysicalAddress:X8}+0x{s.MemSize:X}"))}");
    }
}
