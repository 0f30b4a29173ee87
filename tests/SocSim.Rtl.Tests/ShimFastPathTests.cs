using SocSim.Core;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>
/// The shim evaluates a single-threaded model through the root's eval (not Verilator's eval() wrapper, whose
/// thread-local bookkeeping serves multithreaded models only) and reads and writes the clock, the watched
/// outputs and the looped bits in place (not through the port table's functions). The reference path is
/// kept in the same build (<see cref="RtlModel.UseReference"/>): both must give the same run, edge for edge.
/// </summary>
public class ShimFastPathTests
{
    private static readonly string[] UartBoards = [RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")];

    private static (RunResult Result, string Output, List<(string, long, bool)> Edges, string Work) Run(string elf, bool reference, bool runAhead = true)
    {
        bool gpio = elf == "rtl_gpio.elf";
        string device = gpio ? "rtlgpio" : "uartx";
        string[] boards = gpio ? [RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "gpio.json")] : UartBoards;
        using var m = Machine.Create(boards, [$"peripherals.{device}.parameters.runAhead={(runAhead ? "true" : "false")}"]);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", elf));
        var dev = m.Device<RtlPeripheral>(device);
        dev.UseReferenceModelPath(reference);
        var edges = new List<(string, long, bool)>();
        foreach (var line in gpio ? new[] { "IRQ", "OUT0", "OUT1", "OUT2", "OUT3" } : new[] { "IRQ", "TXD" })
            dev.Output(line).Subscribe(l => edges.Add((line, m.Scheduler.EventTime, l)));
        var r = m.Run(20_000_000);
        return (r, m.UartOutput("uart0"), edges, $"edges_run={dev.EdgesRun} rollbacks={dev.Rollbacks} {dev.Counters}");
    }

    [Theory]
    [InlineData("rtl_uart_busy.elf", true)]
    [InlineData("rtl_uart.elf", true)]
    [InlineData("rtl_uart.elf", false)]
    [InlineData("rtl_gpio.elf", true)]  // watched and looped bits of 32-bit ports: gpio_out[0..3] -> gpio_in[4..7]
    [InlineData("rtl_gpio.elf", false)]
    public void The_fast_path_and_the_reference_give_the_same_run(string elf, bool runAhead)
    {
        var fast = Run(elf, reference: false, runAhead);
        var reference = Run(elf, reference: true, runAhead);
        Assert.Equal(StopReason.Exit, fast.Result.Reason);
        Assert.Equal(0, fast.Result.ExitCode);
        Assert.Equal(reference.Result, fast.Result);
        Assert.Equal(reference.Output, fast.Output);
        Assert.Equal(reference.Edges, fast.Edges); // every TXD and IRQ edge at the same tick
        Assert.True(fast.Edges.Count > (elf == "rtl_gpio.elf" ? 5 : 50), $"{fast.Edges.Count} output edges");
        Assert.Equal(reference.Work, fast.Work);   // the same batches, rollbacks and edges
    }

    [Fact]
    public void The_pulp_UART_builds_with_the_plain_eval_step()
    {
        using var m = Machine.Create(UartBoards);
        var dir = Path.GetDirectoryName(m.Device<RtlPeripheral>("uartx").Library)!;
        Assert.True(VerilatorBuild.IsPlainEvalStep(File.ReadAllText(Path.Combine(dir, "obj", "Vmodel.cpp"))));
        Assert.Contains("#define SOCSIM_DIRECT_EVAL 1", File.ReadAllText(Path.Combine(dir, "shim.cpp")));
    }

    private const string EvalStep = """
        void Vmodel::eval_step() {
            VL_DEBUG_IF(VL_DBG_MSGF("+++++TOP Evaluate Vmodel::eval_step\n"); );
        #ifdef VL_DEBUG
            // Debug assertions
            Vmodel___024root___eval_debug_assertions(&(vlSymsp->TOP));
        #endif  // VL_DEBUG
            if (VL_UNLIKELY(!vlSymsp->__Vm_didInit)) {
                vlSymsp->__Vm_didInit = true;
                VL_DEBUG_IF(VL_DBG_MSGF("+ Initial\n"););
                Vmodel___024root___eval_static(&(vlSymsp->TOP));
                Vmodel___024root___eval_initial(&(vlSymsp->TOP));
                Vmodel___024root___eval_settle(&(vlSymsp->TOP));
            }
            // MTask 0 start
            VL_DEBUG_IF(VL_DBG_MSGF("MTask0 starting\n"););
            Verilated::mtaskId(0);
            VL_DEBUG_IF(VL_DBG_MSGF("+ Eval\n"););
            Vmodel___024root___eval(&(vlSymsp->TOP));
            // Evaluate cleanup
            Verilated::endOfThreadMTask(vlSymsp->__Vm_evalMsgQp);
            Verilated::endOfEval(vlSymsp->__Vm_evalMsgQp);
        }

        """;

    [Fact]
    public void Verilators_single_threaded_eval_step_is_plain()
    {
        Assert.True(VerilatorBuild.IsPlainEvalStep(EvalStep.Replace("\r\n", "\n")));
    }

    [Theory]
    [InlineData("    Vmodel___024root___eval(&(vlSymsp->TOP));\n", "    vlSymsp->__Vm_threadPoolp->workerp(0)->addTask(nullptr, nullptr);\n    Vmodel___024root___eval(&(vlSymsp->TOP));\n")]
    [InlineData("    Verilated::endOfEval(vlSymsp->__Vm_evalMsgQp);\n", "    Verilated::endOfEval(vlSymsp->__Vm_evalMsgQp);\n    vlSymsp->__Vm_activity = true;\n")]
    [InlineData("    Vmodel___024root___eval(&(vlSymsp->TOP));\n", "    Vmodel___024root___eval_mt(&(vlSymsp->TOP));\n")]
    [InlineData("void Vmodel::eval_step() {", "void Vmodel::eval_step(int x) {")]
    public void Any_other_eval_step_keeps_Verilators_eval(string line, string replacement)
    {
        string text = EvalStep.Replace("\r\n", "\n");
        Assert.Contains(line, text);
        Assert.False(VerilatorBuild.IsPlainEvalStep(text.Replace(line, replacement)));
    }
}
