using System.Reflection;
using System.Text.Json;
using SocSim.Core;

namespace SocSim.Boards.Tests;

/// <summary>The board files shipped in boards/, and the agreement of boards/board.schema.json with the loader.</summary>
public sealed class BoardFilesTests
{
    private static string BoardPath(string name) => Path.Combine(TestFiles.BoardsDir, name);

    private static List<string> BoardNames() =>
        Directory.GetFiles(TestFiles.BoardsDir, "*.json").Select(Path.GetFileName).OfType<string>()
            .Where(f => f != "board.schema.json").Order(StringComparer.Ordinal).ToList();

    private static List<string> OverrideNames() =>
        Directory.GetFiles(Path.Combine(TestFiles.BoardsDir, "overrides"), "*.json").Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Boards() => new(BoardNames());
    public static TheoryData<string> Overrides() => new(OverrideNames());

    [Fact]
    public void ThereAreBoardsAndOverrides()
    {
        Assert.Contains("versatilepb.json", BoardNames());
        Assert.Contains("ram.json", BoardNames());
        Assert.NotEmpty(OverrideNames());
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void EveryBoardLoadsAndNamesTheSchema(string name)
    {
        var board = BoardLoader.Load(BoardPath(name));
        Assert.NotEmpty(board.Memory);
        using var doc = JsonDocument.Parse(File.ReadAllText(BoardPath(name)));
        Assert.Equal("board.schema.json", doc.RootElement.GetProperty("$schema").GetString());
        Assert.NotEmpty(BoardPrinter.Print(board));
    }

    [Theory]
    [MemberData(nameof(Overrides))]
    public void EveryOverrideLayersOnEveryBoardOfItsFamily(string name)
    {
        // An override named lpc2106-*.json is for the LPC2106, mps2-*.json for the MPS2 boards, stm32*.json for the STM32 boards; the others for the ARM7 boards.
        static string Family(string n) => n.StartsWith("lpc2106", StringComparison.Ordinal) ? "lpc2106" : n.StartsWith("mps2", StringComparison.Ordinal) ? "mps2"
            : n.StartsWith("stm32", StringComparison.Ordinal) ? "stm32" : "arm7";
        var boards = BoardNames().Where(b => Family(b) == Family(name)).ToList();
        Assert.NotEmpty(boards);
        foreach (var b in boards)
            BoardLoader.Load([BoardPath(b), Path.Combine(TestFiles.BoardsDir, "overrides", name)], []);
    }

    [Fact]
    public void SlowRamOverridesOnlyWaitStates()
    {
        var plain = BoardLoader.Load(BoardPath("versatilepb.json"));
        var slow = BoardLoader.Load([BoardPath("versatilepb.json"), Path.Combine(TestFiles.BoardsDir, "overrides", "slow-ram.json")], []);
        Assert.Equal(new WaitStates(4, 2, 4, 2), slow.Region("ram")!.WaitStates);
        Assert.Equal(plain.Region("ram")! with { WaitStates = slow.Region("ram")!.WaitStates }, slow.Region("ram"));
    }

    [Fact]
    public void VersatilePbMatchesQemuMap()
    {
        var b = BoardLoader.Load(BoardPath("versatilepb.json"));
        Assert.Equal("arm7tdmi", b.Cpu.Type.Name);
        Assert.Equal(50_000_000, b.Cpu.Clock.FrequencyHz);
        Assert.Equal(24_000_000, b.Clock("UARTCLK").FrequencyHz);
        Assert.Equal(1_000_000, b.Clock("TIMCLK").FrequencyHz);
        Assert.True(b.Semihosting);
        var sched = b.CreateScheduler();
        Assert.Equal((600_000_000L, 12L), (sched.TicksPerSecond, sched.CpuPeriod));
        var ram = b.Region("ram")!;
        Assert.Equal((0u, 128u << 20, RegionKind.Ram, 32), (ram.Base, ram.Size, ram.Kind, ram.BusWidth));
        (string Name, string Type, uint Base)[] expected =
        [
            ("vic", "pl190", 0x10140000), ("timer0", "sp804", 0x101E2000), ("timer1", "sp804", 0x101E3000),
            ("uart0", "pl011", 0x101F1000), ("uart1", "pl011", 0x101F2000), ("uart2", "pl011", 0x101F3000),
        ];
        Assert.Equal(expected, b.Peripherals.Select(p => (p.Name, p.Type.Name, p.Base)));
        string[] wiring =
        [
            "vic.IRQ -> cpu.nIRQ", "vic.FIQ -> cpu.nFIQ",
            "timer0.TIMINTC -> vic.4", "timer1.TIMINTC -> vic.5",
            "uart0.UARTINTR -> vic.12", "uart1.UARTINTR -> vic.13", "uart2.UARTINTR -> vic.14",
        ];
        Assert.Equal(wiring, b.Interrupts.Select(i => i.ToString()));
    }

    [Theory]
    [InlineData("versatilepb")]
    [InlineData("mps2-an385")]
    public void PrinterMatchesSnapshot(string name)
    {
        var b = BoardLoader.Load(BoardPath(name + ".json"));
        string text = BoardPrinter.Print(b, includeSources: false);
        Assert.Equal(text, BoardPrinter.Print(BoardLoader.Load(BoardPath(name + ".json")), includeSources: false));
        string snap = Path.Combine(TestFiles.RepoRoot, "tests", "SocSim.Boards.Tests", "Snapshots", name + ".txt");
        // UPDATE_SNAPSHOTS=1 rewrites the snapshot and fails, so that an update never passes as a check:
        // review the diff, commit it, and run again without it.
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(snap, text);
            Assert.Fail($"{snap} rewritten (UPDATE_SNAPSHOTS=1): review and commit it, then run again without UPDATE_SNAPSHOTS");
        }
        Assert.True(File.Exists(snap), $"{snap} is missing: create it with UPDATE_SNAPSHOTS=1, review and commit it");
        Assert.Equal(File.ReadAllText(snap), text);
    }

    // ------------------------------------------------------------ schema and loader agree

    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(BoardPath("board.schema.json"))).RootElement;

    private static JsonElement Resolve(JsonElement node)
    {
        while (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var r))
        {
            string s = r.GetString()!;
            Assert.StartsWith("#/$defs/", s);
            node = Schema.GetProperty("$defs").GetProperty(s["#/$defs/".Length..]);
        }
        return node;
    }

    private static List<string> Walk(JsonElement node, Type dto, string path)
    {
        var problems = new List<string>();
        node = Resolve(node);
        if (dto == typeof(string))
        {
            if (node.TryGetProperty("properties", out _)) problems.Add($"{path}: schema has an object, loader a value");
            return problems;
        }
        bool isMap = typeof(IDictionary<string, string>).IsAssignableFrom(dto) || dto.IsGenericType && dto.GetGenericTypeDefinition() == typeof(Dictionary<,>);
        if (isMap)
        {
            if (!node.TryGetProperty("additionalProperties", out var ap) || ap.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path}: loader has a map, schema has no additionalProperties schema");
                return problems;
            }
            Type vt = typeof(IDictionary<string, string>).IsAssignableFrom(dto) ? typeof(string) : dto.GetGenericArguments()[1];
            problems.AddRange(Walk(ap, vt, path + ".*"));
            return problems;
        }
        if (!node.TryGetProperty("properties", out var props))
        {
            problems.Add($"{path}: loader has an object, schema has no properties");
            return problems;
        }
        if (!node.TryGetProperty("additionalProperties", out var add) || add.ValueKind != JsonValueKind.False)
            problems.Add($"{path}: schema must set additionalProperties: false");
        var loaderKeys = BoardLoader.KeysOf(dto).ToDictionary(BoardLoader.KeyOf);
        var schemaKeys = props.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var k in loaderKeys.Keys.Except(schemaKeys)) problems.Add($"{path}.{k}: in the loader, not in the schema");
        foreach (var k in schemaKeys.Except(loaderKeys.Keys)) problems.Add($"{path}.{k}: in the schema, not in the loader");
        var required = node.TryGetProperty("required", out var req) ? req.EnumerateArray().Select(e => e.GetString()!).ToHashSet() : [];
        foreach (var (k, p) in loaderKeys)
        {
            if (required.Contains(k) == BoardLoader.IsOptional(p))
                problems.Add($"{path}.{k}: required in {(required.Contains(k) ? "the schema" : "the loader")} only");
            if (!schemaKeys.Contains(k)) continue;
            if (p.GetCustomAttribute<TypeParametersAttribute>() != null) continue; // checked against the catalog below
            problems.AddRange(Walk(props.GetProperty(k), p.PropertyType, $"{path}.{k}"));
        }
        return problems;
    }

    [Fact]
    public void SchemaAndLoaderAgreeOnKeys()
    {
        var problems = Walk(Schema, typeof(BoardJson), "$");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void SchemaAndCatalogAgree()
    {
        var defs = Schema.GetProperty("$defs");
        var types = defs.GetProperty("peripheral").GetProperty("properties").GetProperty("type").GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(PeripheralCatalog.Names.Order(StringComparer.Ordinal), types.Order(StringComparer.Ordinal));
        var cpuTypes = Schema.GetProperty("properties").GetProperty("cpu").GetProperty("properties").GetProperty("type").GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString());
        Assert.Equal(CoreCatalog.Default.Names, cpuTypes);
        foreach (var t in PeripheralCatalog.All)
        {
            var p = defs.GetProperty(t.Name + "Parameters");
            Assert.Equal(JsonValueKind.False, p.GetProperty("additionalProperties").ValueKind);
            var names = p.GetProperty("properties").EnumerateObject().Select(x => x.Name).Order(StringComparer.Ordinal);
            Assert.Equal(t.Parameters.Select(x => x.Name).Order(StringComparer.Ordinal), names);
            foreach (var param in t.Parameters)
            {
                var ps = p.GetProperty("properties").GetProperty(param.Name);
                Assert.Equal(JsonSerializer.Serialize(param.Default), ps.GetProperty("default").GetRawText());
            }
        }
        // Every type has an if/then binding its parameters.
        var allOf = defs.GetProperty("peripheral").GetProperty("allOf").EnumerateArray()
            .Select(e => e.GetProperty("if").GetProperty("properties").GetProperty("type").GetProperty("const").GetString());
        Assert.Equal(PeripheralCatalog.Names.Order(StringComparer.Ordinal), allOf.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SchemaPeripheralPartIsTheOneTheDeclarationsGive()
    {
        // The committed schema must be exactly what `socsim board schema -o boards/board.schema.json` writes.
        string committed = File.ReadAllText(BoardPath("board.schema.json"));
        Assert.True(committed == BoardSchema.Update(committed),
            "boards/board.schema.json disagrees with the device declarations: run `socsim board schema boards/board.schema.json -o boards/board.schema.json`");
    }

    [Fact]
    public void SchemaUpdateReplacesAStaleTypeList()
    {
        string committed = File.ReadAllText(BoardPath("board.schema.json"));
        var stale = System.Text.Json.Nodes.JsonNode.Parse(committed)!;
        stale["$defs"]!["peripheral"]!["properties"]!["type"]!["enum"] = new System.Text.Json.Nodes.JsonArray("pl011", "gone");
        stale["$defs"]!["goneParameters"] = new System.Text.Json.Nodes.JsonObject();
        string updated = BoardSchema.Update(stale.ToJsonString());
        Assert.Equal(committed, updated);
    }

    [Fact]
    public void CatalogDescribesThePrimeCells()
    {
        var vic = PeripheralCatalog.Get("pl190");
        Assert.Equal(32, vic.InputCount);
        Assert.Equal(["IRQ", "FIQ"], vic.Outputs);
        Assert.Equal(["TIMINT1", "TIMINT2", "TIMINTC"], PeripheralCatalog.Get("sp804").Outputs);
        Assert.Contains("UARTINTR", PeripheralCatalog.Get("pl011").Outputs);
        Assert.All(new[] { "pl011", "pl190", "sp804" }, n => Assert.Equal(0x1000u, PeripheralCatalog.Get(n).WindowSize));
        Assert.Throws<KeyNotFoundException>(() => PeripheralCatalog.Get("pl999"));
    }
}
