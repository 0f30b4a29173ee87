using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocSim.Core.Devices;

namespace SocSim.Boards;

/// <summary>
/// The peripheral part of <c>boards/board.schema.json</c>, derived from the device declarations: the
/// type enum, one if/then per type binding its parameters, and each type's <c>&lt;type&gt;Parameters</c>
/// with defaults and descriptions; and <c>cpu.type</c>, from the core declarations. The rest of the
/// schema (clocks, memory, wiring) is written by hand in the file. <c>socsim board schema -o boards/board.schema.json</c> rewrites the file; a
/// test fails when the committed file differs from what the declarations give.
/// </summary>
public static class BoardSchema
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema text with its peripheral part regenerated from <see cref="PeripheralCatalog"/>, <c>cpu.type</c> from <see cref="CoreCatalog.Default"/>.</summary>
    public static string Update(string schemaText) => Update(schemaText, CoreCatalog.Default);

    /// <summary>As <see cref="Update(string)"/>, with the cores of <paramref name="cores"/>.</summary>
    public static string Update(string schemaText, CoreCatalog cores)
    {
        var root = JsonNode.Parse(schemaText)!.AsObject();
        root["properties"]!["cpu"]!["properties"]!["type"] = new JsonObject
        {
            ["enum"] = new JsonArray(cores.All.Select(t => (JsonNode)JsonValue.Create(t.Name)!).ToArray()),
            ["description"] = "The core: " + string.Join("; ", cores.All.Select(t => $"{t.Name}: {t.Description}")) + ".",
        };
        var defs = root["$defs"]!.AsObject();
        var cpu = root["properties"]!["cpu"]!.AsObject();
        cpu["properties"]!["parameters"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "The parameters the core type declares (see 'socsim board types'). Default: each parameter's default.",
        };
        cpu["allOf"] = new JsonArray(cores.All.Select(t => (JsonNode)new JsonObject
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = t.Name } } },
            ["then"] = new JsonObject { ["properties"] = new JsonObject { ["parameters"] = new JsonObject { ["$ref"] = $"#/$defs/cpu-{t.Name}Parameters" } } },
        }).ToArray());
        var peripheral = defs["peripheral"]!.AsObject();
        var types = PeripheralCatalog.All;

        peripheral["properties"]!["type"] = new JsonObject
        {
            ["enum"] = new JsonArray(types.Select(t => (JsonNode)JsonValue.Create(t.Name)!).ToArray()),
            ["description"] = "The device model: " + string.Join("; ", types.Select(t => $"{t.Name}: {t.Description}")) + ".",
        };
        peripheral["properties"]!["base"] = new JsonObject
        {
            ["$ref"] = "#/$defs/address",
            ["description"] = "Required for a type with a register window, a multiple of its alignment: " + string.Join(", ", types.Where(t => t.HasWindow).Select(t => $"{t.Name} 0x{t.Alignment:X}")) +
                "; refused for a part on pins only: " + string.Join(", ", types.Where(t => !t.HasWindow).Select(t => t.Name)) + ".",
        };
        peripheral["allOf"] = new JsonArray(types.Select(t => (JsonNode)new JsonObject
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = t.Name } } },
            ["then"] = new JsonObject { ["properties"] = new JsonObject { ["parameters"] = new JsonObject { ["$ref"] = $"#/$defs/{t.Name}Parameters" } } },
        }).ToArray());

        foreach (var stale in defs.Select(kv => kv.Key).Where(k => k.EndsWith("Parameters", StringComparison.Ordinal)).ToList())
            defs.Remove(stale);
        foreach (var t in types)
            defs[t.Name + "Parameters"] = Parameters(t);
        foreach (var t in cores.All)
            defs[$"cpu-{t.Name}Parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["description"] = $"Parameters of core {t.Name}.",
                ["properties"] = ParameterProperties(t.Parameters),
            };

        return root.ToJsonString(Indented).Replace("\r\n", "\n") + "\n";
    }

    private static JsonObject ParameterProperties(IReadOnlyList<DeviceParameter> parameters)
    {
        var props = new JsonObject();
        foreach (var p in parameters)
        {
            var node = p.Type switch
            {
                ParameterType.StringList => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ParameterType.StringMap => new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                ParameterType.Boolean => new JsonObject { ["$ref"] = "#/$defs/boolean" },
                ParameterType.Integer => new JsonObject { ["$ref"] = "#/$defs/address" },
                _ => new JsonObject { ["$ref"] = "#/$defs/text" },
            };
            node["default"] = JsonSerializer.SerializeToNode(p.Default);
            node["description"] = p.Description;
            props[p.Name] = node;
        }
        return props;
    }

    private static JsonObject Parameters(DeviceType t)
    {
        var props = ParameterProperties(t.Parameters);
        var parts = new List<string> { t.HasWindow ? $"{t.Name} ({t.Description}): a 0x{t.WindowSize:X}-byte register window" : $"{t.Name} ({t.Description}): a part on pins only, no base or waitStates" };
        if (t.Outputs.Count > 0) parts.Add("outputs " + string.Join(", ", t.Outputs));
        if (t.InputCount > 0) parts.Add($"inputs 0..{t.InputCount - 1} ({t.InputCountDescription})");
        if (t.InputPins.Count > 0) parts.Add("input pins " + string.Join(", ", t.InputPins.Select(i => i.Name)));
        return new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["description"] = string.Join("; ", parts) + ".",
            ["properties"] = props,
        };
    }
}
