using System.CommandLine;
using SocSim.Arm.Conformance;

namespace SocSim.Cli;

/// <summary>`socsim conformance DIR [--filter TEXT] [--verbose]`: runs the single-instruction test data.</summary>
internal static class ConformanceCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "directory holding the *.json.bin test files" };
        var filter = new Option<string?>("--filter") { Description = "run only tests whose id (file#index) contains TEXT" };
        var verbose = new Option<bool>("--verbose") { Description = "print every failing test with its differences" };
        var cmd = new Command("conformance", "run the ARM7TDMI single-instruction conformance tests") { dir, filter, verbose };
        cmd.SetAction(r => Run(r.GetValue(dir)!, r.GetValue(filter), r.GetValue(verbose)));
        return cmd;
    }

    private static int Run(DirectoryInfo dir, string? filter, bool verbose)
    {
        if (!dir.Exists)
        {
            Console.Error.WriteLine($"socsim conformance: directory '{dir.FullName}' does not exist");
            return 2;
        }
        var files = ConformanceSuite.Files(dir.FullName).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"socsim conformance: no *.json.bin files in '{dir.FullName}'");
            return 2;
        }
        using var runner = new ConformanceRunner();
        int passed = 0, failed = 0;
        foreach (var f in files)
        {
            var results = ConformanceSuite.RunFile(runner, f, filter);
            if (results.Count == 0) continue;
            int p = results.Count(r => r.Passed), fl = results.Count - p;
            passed += p; failed += fl;
            Console.WriteLine($"{Path.GetFileName(f)}: {p} passed, {fl} failed");
            if (verbose)
                foreach (var r in results.Where(r => !r.Passed))
                {
                    Console.WriteLine($"  FAIL {r.Test.Id} opcode {r.Test.Opcodes[0]:x8} at {r.Test.BaseAddress:x8}");
                    foreach (var d in r.Differences) Console.WriteLine($"    {d}");
                }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
