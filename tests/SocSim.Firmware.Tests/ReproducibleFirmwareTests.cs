using System.Diagnostics;

namespace SocSim.Firmware.Tests;

/// <summary>
/// `make -C firmware` in another directory rebuilds every committed ELF byte for byte: the debug info
/// names files relative to firmware/ (-ffile-prefix-map), so a rebuild in any checkout leaves git clean,
/// and the committed ELFs are what their sources give (none is stale). Needs Debian's gcc-arm-none-eabi
/// (test.sh installs it); without it the test fails rather than pass having checked nothing.
/// </summary>
public sealed class ReproducibleFirmwareTests
{
    [Fact]
    public async Task MakeInAnotherDirectoryRebuildsEveryCommittedElfByteForByte()
    {
        string source = Path.Combine(Repo.Root, "firmware");
        string copy = Path.Combine(Path.GetTempPath(), "socsim-fw-" + Guid.NewGuid().ToString("N"), "firmware");
        try
        {
            foreach (var f in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(source, f);
                if (rel.StartsWith("build" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, rel))!);
                File.Copy(f, Path.Combine(copy, rel));
            }
            var committed = Directory.GetFiles(Path.Combine(copy, "elf"), "*.elf", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(copy, f), File.ReadAllBytes);
            Assert.True(committed.Count >= 10, $"only {committed.Count} committed ELFs under firmware/elf");
            foreach (var f in committed.Keys) File.Delete(Path.Combine(copy, f));

            var psi = new ProcessStartInfo("make", ["-s", "-j2", "-C", copy]) { RedirectStandardOutput = true, RedirectStandardError = true };
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception e) { throw new Xunit.Sdk.XunitException($"cannot run make: {e.Message}"); }
            using (p)
            {
                var so = p.StandardOutput.ReadToEndAsync();
                var se = p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                Assert.True(p.ExitCode == 0, $"make -C firmware exited {p.ExitCode} (is gcc-arm-none-eabi installed?):\n{await so}{await se}");
            }
            foreach (var (rel, bytes) in committed)
            {
                string rebuilt = Path.Combine(copy, rel);
                Assert.True(File.Exists(rebuilt), $"make did not rebuild {rel}");
                Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(rebuilt)), $"firmware/{rel} differs from what `make -C firmware` builds from its sources");
            }
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(copy)!, true); } catch (IOException) { }
        }
    }
}
