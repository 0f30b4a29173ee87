using System.Diagnostics;
using System.Text;

namespace SocSim.Cli.Tests;

/// <summary>
/// The interactive console, on a real terminal: util-linux `script` gives socsim a pseudo-terminal as
/// stdin and stdout. Keystrokes reach the console UART raw (no local echo, no line buffering: "hi"
/// without a newline is echoed upper-cased by uart_echo), and Ctrl-A x quits with exit status 0.
/// </summary>
public sealed class InteractiveConsoleTests
{
    [Fact]
    public void KeystrokesGoRawToTheConsoleUartAndCtrlAXQuits()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "socsim.dll");
        string elf = Path.Combine(Socsim.RepoRoot, "firmware", "elf", "uart_echo.elf");
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Socsim.RepoRoot,
        };
        foreach (var a in new[] { "-qec", $"dotnet '{dll}' run '{elf}' --quiet", "/dev/null" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var sawEcho = new ManualResetEventSlim();
        var sawBanner = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            var buffer = new char[256];
            for (int n; (n = p.StandardOutput.Read(buffer, 0, buffer.Length)) > 0;)
                lock (output)
                {
                    output.Append(buffer, 0, n);
                    if (output.ToString().Contains("uart_echo: type text")) sawBanner.Set();
                    if (output.ToString().Contains("HI")) sawEcho.Set();
                }
        });
        reader.Start();
        // Typed once the terminal is raw (the firmware's banner follows socsim's), else the terminal echoes it.
        // The waits guard against a hang only: each comes whenever the host gets there.
        bool started = sawBanner.Wait(TimeSpan.FromMilliseconds(Deadline.Ms));
        p.StandardInput.Write("hi");
        p.StandardInput.Flush();
        bool echoed = sawEcho.Wait(TimeSpan.FromMilliseconds(Deadline.Ms));
        p.StandardInput.Write("\u0001x");
        p.StandardInput.Flush();
        Assert.True(p.WaitForExit(TimeSpan.FromMilliseconds(Deadline.Ms)), "socsim did not quit on Ctrl-A x");
        reader.Join();
        string text;
        lock (output) text = output.ToString();
        Assert.True(started && echoed, text);
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("uart_echo: type text", text);
        Assert.DoesNotContain("hi", text); // the terminal did not echo locally
        Assert.Matches(@"socsim run: quit \(Ctrl-A x\) at cycle=\d+", text);
    }
}
