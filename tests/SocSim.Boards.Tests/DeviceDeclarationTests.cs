using SocSim.Boards;
using SocSim.Core;
using SocSim.Core.Devices;
using Xunit;

namespace SocSim.Boards.Tests;

/// <summary>
/// Every device type in the catalog is built, wired and traced from its own declaration: these checks
/// run over whatever the catalog discovers, so a new device is covered by adding its file alone.
/// </summary>
public class DeviceDeclarationTests
{
    public static TheoryData<string> Types() => new(PeripheralCatalog.Names);
    /// <summary>Types whose lines are all declared by the type (an rtl entry declares its own, and needs its sources to be built).</summary>
    public static TheoryData<string> TypesWithDeclaredLines() => new(PeripheralCatalog.All.Where(t => !t.HasInstancePorts).Select(t => t.Name));

    private static IBusDevice Build(DeviceType t, Scheduler s) => t.Create(new DeviceContext
    {
        Name = "dev",
        Scheduler = s,
        Clock = new ClockDomain("CLK", 1_000_000, 50),
        Parameters = t.Parameters.ToDictionary(p => p.Name, p => p.Default),
        ClockControls = t.ClockControls.ToDictionary(c => c.Name, c => new ClockControl(c.Name, c.Reset.Num, c.Reset.Den)),
    });

    [Theory, MemberData(nameof(Types))]
    public void DeclarationIsComplete(string name)
    {
        var t = PeripheralCatalog.Get(name);
        Assert.Matches("^[a-z][a-z0-9_]*$", t.Name);
        Assert.False(string.IsNullOrWhiteSpace(t.Description));
        Assert.True(t.HasWindow ? (t.WindowSize & 3) == 0 : t.InputPins.Count > 0, "a window of whole words, or a part on pins with pins");
        Assert.True(t.Alignment > 0 && (t.Alignment & (t.Alignment - 1)) == 0, "alignment is a power of two");
        Assert.Contains(t.BusWidth, new[] { 8, 16, 32 });
        Assert.Equal(t.Parameters.Count, t.Parameters.Select(p => p.Name).Distinct().Count());
        Assert.Equal(t.Outputs.Count, t.Outputs.Distinct().Count());
        Assert.All(t.Parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
        Assert.True(t.ModelType.IsSealed, $"{t.ModelType.Name} is sealed (no virtual dispatch per access)");
    }

    [Theory, MemberData(nameof(TypesWithDeclaredLines))]
    public void EveryDeclaredOutputIsALineOfTheBuiltDevice(string name)
    {
        var t = PeripheralCatalog.Get(name);
        var dev = Build(t, new Scheduler(50_000_000, 1));
        Assert.IsType(t.ModelType, dev);
        var lines = t.Outputs.Select(o => t.Output(dev, o)).ToList();
        Assert.Equal(lines.Count, lines.Distinct().Count());
        Assert.All(t.OutputLines, o => Assert.True(o.Line(dev).Level == o.ResetHigh,
            $"{o.Name} is {(o.ResetHigh ? "high (declared resetHigh)" : "deasserted")} after reset"));
        Assert.Throws<ArgumentException>(() => t.Output(dev, "NO_SUCH_OUTPUT"));
        for (int n = 0; n < t.InputCount; n++) t.ConnectInput(dev, n, new IrqLine("src" + n));
        Assert.Throws<ArgumentException>(() => t.ConnectInput(dev, t.InputCount, new IrqLine("x")));
        foreach (var i in t.InputPins) t.ConnectInput(dev, i.Name, new IrqLine("pin"));
    }

    private sealed class RecordingBinder : ISignalBinder
    {
        public readonly List<(string Name, int Width)> Declared = new();
        public long EventTime => 0;
        public void Line(string name, IrqLine line) => Declared.Add((name, 1));
        public void Sampled(string name, int width, Func<ulong> sample, long edgePeriodTicks)
        {
            sample();
            Declared.Add((name, width));
        }
        public Action<long, ulong> Driven(string name, int width, ulong initial)
        {
            Declared.Add((name, width));
            return (_, _) => { };
        }
    }

    [Theory, MemberData(nameof(TypesWithDeclaredLines))]
    public void SignalsAreDeclaredOnceWithPlausibleWidths(string name)
    {
        var t = PeripheralCatalog.Get(name);
        var b = new RecordingBinder();
        t.DeclareSignals(Build(t, new Scheduler(50_000_000, 1)), b);
        // A type with outputs traces them; one without (an unmodelled block) may declare nothing at all.
        if (t.Outputs.Count > 0) Assert.NotEmpty(b.Declared);
        else if (b.Declared.Count == 0) return;
        Assert.Equal(b.Declared.Count, b.Declared.Select(d => d.Name).Distinct().Count());
        Assert.All(b.Declared, d => Assert.InRange(d.Width, 1, 64));
    }

    [Fact]
    public void TheMachineWiresAndTracesFromTheDeclarations()
    {
        // Every interrupt connection of the default board resolves through the declarations.
        using var m = Machine.Create([Path.Combine(TestFiles.BoardsDir, "versatilepb.json")]);
        foreach (var c in m.Board.Interrupts)
            Assert.Same(m.Board.Peripheral(c.SourceComponent)!.Type.Output(m.Devices[c.SourceComponent], c.SourceOutput),
                m.InterruptOutput(c.SourceComponent, c.SourceOutput));
        Assert.Equal(["uart0", "uart1", "uart2"], m.Uarts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("uart0", m.ConsoleUart);
    }
}
