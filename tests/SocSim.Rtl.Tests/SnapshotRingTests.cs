namespace SocSim.Rtl.Tests;

/// <summary>
/// A design whose state is plain data in Verilator's root module goes back in a run-ahead batch by
/// copying the root's bytes kept after every edge (the run-ahead exactness tests in IdleTests and the
/// checkpoint tests compare the results); anything else keeps Verilator's serialization.
/// </summary>
public class SnapshotRingTests
{
    private const string Root = """
        class Vmodel___024root final : public VerilatedModule {
          public:
            // DESIGN SPECIFIC STATE
            // Anonymous structures to workaround compiler member-count bugs
            struct {
                VL_IN8(CLK,0,0);
                VL_OUT(PRDATA,31,0);
                VlWide<3>/*79:0*/ top__DOT__regs_q;
                CData/*1:0*/ top__DOT__state;
                VlUnpacked<SData/*8:0*/, 16> top__DOT__fifo;
                QData/*63:0*/ top__DOT__count;
            };
            VlTriggerVec<1> __VactTriggered;

            // INTERNAL VARIABLES
            Vmodel__Syms* const vlSymsp;

            // CONSTRUCTORS
            Vmodel___024root(Vmodel__Syms* symsp, const char* v__name);
        """;

    private const string Syms = """
            // MODULE INSTANCE STATE
            Vmodel___024root               TOP;

            // CONSTRUCTORS
        """;

    [Fact]
    public void Plain_data_in_one_root_module_is_flat()
    {
        Assert.True(VerilatorBuild.IsFlat(Root, Syms));
    }

    [Theory]
    [InlineData("std::string top__DOT__name;")]
    [InlineData("VlQueue<IData> top__DOT__q;")]
    [InlineData("VlUnpacked<VlUnpacked<CData, 4>, 4> top__DOT__grid;")]
    [InlineData("VlDelayScheduler __VdlySched;")]
    public void Any_other_member_keeps_the_serialization(string member)
    {
        Assert.False(VerilatorBuild.IsFlat(Root.Replace("QData/*63:0*/ top__DOT__count;", member), Syms));
    }

    [Fact]
    public void Another_module_instance_keeps_the_serialization()
    {
        Assert.False(VerilatorBuild.IsFlat(Root, Syms.Replace("TOP;", "TOP;\n        Vmodel___024unit __PVT____024unit;")));
        Assert.False(VerilatorBuild.IsFlat("no state section", Syms));
    }

    [Fact]
    public void The_pulp_UART_is_flat_as_Verilator_builds_it()
    {
        using var m = Machine.Create([RtlTestBoards.Default, Path.Combine(SocSim.Tests.RepoPaths.Root, "boards", "rtl", "uart.json")]);
        var dir = Path.Combine(Path.GetDirectoryName(m.Device<RtlPeripheral>("uartx").Library)!, "obj");
        Assert.True(VerilatorBuild.IsFlat(File.ReadAllText(Path.Combine(dir, "Vmodel___024root.h")), File.ReadAllText(Path.Combine(dir, "Vmodel__Syms.h"))));
    }
}
