namespace SocSim.Cli.Tests;

/// <summary>
/// The RTL boards by their bundled names (`--board rtl/uart`, `--board rtl/mps2-uart`): the copies beside socsim
/// are read from the checkout they were copied from (boards/origin.txt), so their sources in ../shared/rtl
/// resolve as from boards/rtl/ (boards/README.md "RTL peripherals"). A source that cannot be found stays one line.
/// </summary>
public sealed class RtlBundledBoardTests
{
    [Fact]
    public void RtlUart_ByItsBundledName_RunsTheArm7Firmware()
    {
        var r = Socsim.Run("run", "--board", "versatilepb", "--board", "rtl/uart",
            Path.Combine(Socsim.RepoRoot, "firmware", "elf", "rtl", "rtl_uart.elf"), "--max-cycles", "20000000");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
            "rtl_uart: apb_uart_sv RTL @0x10100000, VIC line 20, TXD looped to RXD\n" +
            "received: Hello from RTL!\n" +
            "ETBEI interrupt: IIR=0xc4 LSR=0x21\n" +
            "after the clear: IIR=0xc0 event_o high\n" +
            "ERBFI, nothing received: IIR=0xc8 LSR=0x60\n" +
            "rtl_uart done: loopback ok\n", r.Stdout);
    }

    [Fact]
    public void Mps2Uart_ByItsBundledName_RunsTheCortexM3Firmware()
    {
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "rtl/mps2-uart",
            Path.Combine(Socsim.RepoRoot, "tests", "assets", "cortex-m", "rtl_uart_m3.elf"), "--semihosting");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
            "rtl_uart_m3: apb_uart_sv RTL @0x4000C000, NVIC line 32, TXD looped to RXD\n" +
            "receive interrupt: IIR=0xc8 LSR=0x01 first='H'\n" +
            "received: Hello from M3!\n" +
            "rtl_uart_m3 done: loopback ok\n", r.Stdout);
    }

    [Fact]
    public void ABoardWhoseRtlSourcesAreNotFound_IsOneLineNamingTheSource()
    {
        // The bundled copy read where it lies (as an installed tool reads it): ../../../shared is not beside it.
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-bundled-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string board = Path.Combine(dir, "uart.json");
            File.Copy(Path.Combine(Socsim.RepoRoot, "boards", "rtl", "uart.json"), board);
            var r = Socsim.Run("run", "--board", "versatilepb", "--board", board,
                Path.Combine(Socsim.RepoRoot, "firmware", "elf", "rtl", "rtl_uart.elf"));
            Assert.Equal(2, r.ExitCode);
            string missing = Path.GetFullPath(Path.Combine(dir, "../../../shared/rtl/apb_uart_sv/io_generic_fifo.sv"));
            Assert.Equal($"socsim run: peripherals.uartx.parameters.sources.0: source file not found: {missing}\n", r.Stderr);
            Assert.Equal("", r.Stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}
