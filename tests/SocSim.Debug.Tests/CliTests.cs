using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocSim.Debug.Tests;

/// <summary>`socsim run --gdb` options and what a disconnecting client leaves behind, on the real binary.</summary>
public sealed class CliTests
{
    private const int Timeout = Deadline.Ms;

    private static (int Code, string Stderr) RunToEnd(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Paths.RepoRoot };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "socsim.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); throw new TimeoutException(); }
        return (p.ExitCode, err.Result);
    }

    [Fact(Timeout = Timeout)]
    public async Task BadOptions_AreUsageErrors()
    {
        await Task.Yield();
        var r = RunToEnd("run", Paths.DemoElf, "--gdb", "70000");
        Assert.Equal(2, r.Code);
        Assert.Contains("out of range", r.Stderr);
        r = RunToEnd("run", "--gdb", Paths.DemoElf);
        Assert.NotEqual(0, r.Code);
        Assert.Contains("is not a port number", r.Stderr);
        Assert.DoesNotContain("Unhandled", r.Stderr);
        r = RunToEnd("run", Paths.DemoElf, "--gdb-keep-running");
        Assert.Equal(2, r.Code);
        Assert.Contains("--gdb-keep-running needs --gdb", r.Stderr);
    }

    [Fact(Timeout = Timeout)]
    public async Task BadHistorySizes_AreUsageErrors()
    {
        await Task.Yield();
        var r = RunToEnd("run", Paths.DemoElf, "--gdb", "0", "--gdb-history", "lots");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("--gdb-history: 'lots' is not a size", r.Stderr);
        Assert.DoesNotContain("Unhandled", r.Stderr);
        r = RunToEnd("run", Paths.DemoElf, "--gdb-history", "64MiB");
        Assert.Equal(2, r.Code);
        Assert.Contains("--gdb-history needs --gdb", r.Stderr);
    }

    [Fact(Timeout = Timeout)]
    public async Task BusyPort_IsAUsageError()
    {
        await Task.Yield();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var r = RunToEnd("run", Paths.DemoElf, "--gdb", port.ToString());
        Assert.Equal(2, r.Code);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", r.Stderr);
    }

    private static void ConnectAskAndHangUp(int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = Deadline.Ms };
        s.Connect(IPAddress.Loopback, port);
        s.Send(Encoding.ASCII.GetBytes("$?#3f"));
        var buf = new byte[64];
        int n = 0;
        while (!Encoding.ASCII.GetString(buf, 0, n).Contains('#')) n += s.Receive(buf, n, buf.Length - n, SocketFlags.None);
        Assert.Contains("S05", Encoding.ASCII.GetString(buf, 0, n));
    }

    [Fact(Timeout = Timeout)]
    public async Task ClientHangsUp_TheRunStops()
    {
        await Task.Yield();
        using var socsim = new SocsimProcess(Paths.DemoElf);
        ConnectAskAndHangUp(socsim.Port);
        Assert.Equal(126, socsim.WaitForExit());
        Assert.Contains("GDB disconnected; stopping", socsim.Stderr);
        Assert.Equal("", socsim.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task ClientHangsUp_WithKeepRunning_TheFirmwareRunsToItsEnd()
    {
        await Task.Yield();
        using var socsim = new SocsimProcess(Paths.DemoElf, "--gdb-keep-running");
        ConnectAskAndHangUp(socsim.Port);
        Assert.Equal(0, socsim.WaitForExit());
        Assert.Equal("gdbdemo: start\ngdbdemo: done\n", socsim.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task GarbageClient_DoesNotBringTheSimulatorDown()
    {
        await Task.Yield();
        using var socsim = new SocsimProcess(Paths.DemoElf, "--gdb-keep-running");
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            s.Connect(IPAddress.Loopback, socsim.Port);
            var rng = new Random(7);
            var junk = new byte[100_000];
            rng.NextBytes(junk);
            s.Send(junk);
            s.Send(Encoding.ASCII.GetBytes("$" + new string('G', 40_000) + "#00$m0,zz#00$Z0,1,1#00"));
        }
        Assert.Equal(0, socsim.WaitForExit());
        Assert.Equal("gdbdemo: start\ngdbdemo: done\n", socsim.Stdout);
    }
}
