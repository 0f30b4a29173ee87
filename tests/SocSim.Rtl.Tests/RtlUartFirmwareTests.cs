using System.Diagnostics;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>firmware/elf/rtl/rtl_uart.elf on versatilepb + boards/rtl/uart.json (pulp-platform apb_uart_sv as RTL, TXD looped to RXD).</summary>
public class RtlUartFirmwareTests
{
    private static readonly string[] Boards = [RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")];
    private static string Elf => Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", "rtl_uart.elf");

    // What the RTL does, including where it differs from a 16550 (see the firmware's comment).
    private const string Expected =
        "rtl_uart: apb_uart_sv RTL @0x10100000, VIC line 20, TXD looped to RXD\n" +
        "received: Hello from RTL!\n" +
        "ETBEI interrupt: IIR=0xc4 LSR=0x21\n" +
        "after the clear: IIR=0xc0 event_o high\n" +
        "ERBFI, nothing received: IIR=0xc8 LSR=0x60\n" +
        "rtl_uart done: loopback ok\n";

    [Fact]
    public void Sends_and_receives_through_the_RTL_and_takes_its_interrupt()
    {
        using var m = Machine.Create(Boards);
        m.LoadElf(Elf);
        var r = m.Run(20_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected, m.UartOutput("uart0"));
    }

    [Fact]
    public void Sigrok_decodes_the_RTL_UARTs_TXD_from_our_VCD()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-vcd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string vcd = Path.Combine(dir, "uartx.vcd");
            var (exit, stdout, stderr) = SocsimProcess.Run(SocsimProcess.BuiltDll,
                ["run", Elf, "--board", Boards[0], "--board", Boards[1], "--vcd", vcd, "--signals", "uartx.TXD"]);
            Assert.True(exit == 0, stderr);
            Assert.Equal(Expected, stdout);
            var psi = new ProcessStartInfo("sigrok-cli", $"-I vcd -i {vcd} -P uart:rx=TXD:baudrate=115200:format=hex -A uart=rx-data")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            var bytes = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Convert.ToByte(l.Trim().Split(' ').Last(), 16)).ToArray();
            // The line, then the two '*' the interrupt test queues.
            Assert.Equal("Hello from RTL!\n**", System.Text.Encoding.Latin1.GetString(bytes));
        }
        finally { Directory.Delete(dir, true); }
    }
}
