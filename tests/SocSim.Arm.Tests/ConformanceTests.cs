using SocSim.Tests;
using System.Text.RegularExpressions;
using SocSim.Arm.Conformance;

namespace SocSim.Arm.Tests;

/// <summary>
/// Runs every test of ../shared/conformance/arm7tdmi. A test passes or is listed, under a rule, in
/// tests/conformance-exceptions.md, and then must differ from the data exactly as the rule says.
/// </summary>
public class ConformanceTests
{
    private static readonly Regex ReadLockOnly =
        new(@"^transaction \d+: expected read  size=(\d) addr=(\w{8}) data=(\w{8}) access=0, got read  size=\1 addr=\2 data=\3 access=8$");
    private static readonly Regex CpsrDifference = new(@"^cpsr: expected ([0-9a-f]{8}), got ([0-9a-f]{8})$");

    /// <summary>What each rule allows a listed test to differ in; anything else fails.</summary>
    private static readonly Dictionary<string, Func<string, bool>> RuleDifference = new()
    {
        // Only the read cycle's LOCK bit differs (data: access=0, core: access=8).
        ["swp-read-lock"] = d => ReadLockOnly.IsMatch(d),
        // Only CPSR.C (bit 29) differs.
        ["multiply-carry"] = d => CpsrDifference.Match(d) is { Success: true } m
            && (Convert.ToUInt32(m.Groups[1].Value, 16) ^ Convert.ToUInt32(m.Groups[2].Value, 16)) == 1u << 29,
    };

    public static IEnumerable<object[]> Files() =>
        ConformanceSuite.Files(RepoPaths.ConformanceDirectory).Select(f => new object[] { Path.GetFileName(f) });

    [Fact]
    public void TheSuiteHas38000TestsIn19Files()
    {
        var files = ConformanceSuite.Files(RepoPaths.ConformanceDirectory).ToList();
        Assert.Equal(19, files.Count);
        Assert.Equal(38000, files.Sum(f => ConformanceTest.ReadFile(f).Count));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryTestPassesOrIsAJustifiedException(string file)
    {
        var exceptions = Exceptions();
        using var runner = new ConformanceRunner();
        var results = ConformanceSuite.RunFile(runner, Path.Combine(RepoPaths.ConformanceDirectory, file));
        Assert.Equal(2000, results.Count);
        var problems = new List<string>();
        foreach (var r in results)
        {
            bool listed = exceptions.TryGetValue(r.Test.Id, out var rule);
            if (r.Passed && listed)
                problems.Add($"{r.Test.Id} is listed under '{rule}' but now passes: remove it from conformance-exceptions.md");
            else if (!r.Passed && !listed)
                problems.Add($"{r.Test.Id} (opcode {r.Test.Opcodes[0]:x8}) fails: {string.Join("; ", r.Differences)}");
            else if (!r.Passed && r.Differences.Any(d => !RuleDifference[rule!](d)))
                problems.Add($"{r.Test.Id} fails other than rule '{rule}' allows: {string.Join("; ", r.Differences)}");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} problems:\n" + string.Join("\n", problems.Take(30)));
    }

    /// <summary>Test id → rule, from the ```exceptions RULE blocks of conformance-exceptions.md.</summary>
    private static Dictionary<string, string> Exceptions()
    {
        var map = new Dictionary<string, string>();
        string? rule = null;
        foreach (var line in File.ReadLines(Path.Combine(RepoPaths.Root, "tests", "conformance-exceptions.md")))
        {
            if (line.StartsWith("```exceptions ", StringComparison.Ordinal)) { rule = line["```exceptions ".Length..].Trim(); continue; }
            if (line.StartsWith("```", StringComparison.Ordinal)) { rule = null; continue; }
            if (rule == null) continue;
            Assert.True(RuleDifference.ContainsKey(rule), $"unknown exception rule '{rule}'");
            foreach (var id in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[id] = rule;
        }
        return map;
    }
}
