namespace SocSim.Cli.Tests;

/// <summary>
/// One Linux boot to the shell prompt, saved (`--save-state FILE --until-uart "/ # "`), then resumed in new
/// processes where the shell answers: the way to start many Linux tests from one boot (docs/linux.md). The
/// state holds every page the kernel, its DTB and initrd wrote (a --kernel boot records no ELF and no
/// loader image), so `socsim resume` needs none of the images.
/// </summary>
public sealed class LinuxResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-linux-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheShellPromptSavedOnceAnswersInEachResumedProcess()
    {
        string linux = LinuxBootFiles.SharedLinux, state = Path.Combine(_dir, "prompt.state");
        var boot = Socsim.Run("run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(linux, "zImage"), "--dtb", Path.Combine(linux, "versatile-pb.dtb"),
            "--initrd", Path.Combine(linux, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init", "--until-uart", "/ # ", "--save-state", state);
        Assert.True(boot.ExitCode == 0, boot.Stderr);
        Assert.EndsWith("/ # ", boot.Stdout);
        Assert.Matches($"socsim run: state saved at cycle=[0-9]+ pc=[0-9A-F]{{8}} to {System.Text.RegularExpressions.Regex.Escape(state)}\n", boot.Stderr);

        foreach (var (command, answer) in new[] { ("echo $((6*7))", "42"), ("echo $((7*8))", "56") })
        {
            string input = Path.Combine(_dir, answer + ".txt");
            File.WriteAllText(input, command + "\n");
            var r = Socsim.Run("resume", state, "--uart-input", input, "--until-uart", answer, "--max-time", "30s");
            Assert.True(r.ExitCode == 0, r.Stderr);
            // The shell echoes the line as typed, then prints the answer on the next line.
            Assert.Contains(command + "\r\n", r.Stdout);
            Assert.EndsWith("\n" + answer, r.Stdout);
        }
    }

    [Fact]
    public void SaveStateTakesUntilUartOrAtButNotBoth()
    {
        var both = Socsim.Run("run", "--save-state", Path.Combine(_dir, "x.state"), "--at", "1000", "--until-uart", "tick");
        Assert.Equal(2, both.ExitCode);
        Assert.Equal("socsim run: --save-state saves at --at WHEN or where --until-uart TEXT stops the run: give one", both.Stderr.Trim());
        var neither = Socsim.Run("run", "--save-state", Path.Combine(_dir, "x.state"));
        Assert.Equal(2, neither.ExitCode);
        Assert.Equal("socsim run: --save-state needs --at WHEN (a cycle number, SYMBOL[:N], 0xADDR[:N] or a time like 2.5ms) or --until-uart TEXT", neither.Stderr.Trim());
        // On the timer demo: saved where the console printed "tick 2", resumed to the end as the straight run.
        string state = Path.Combine(_dir, "tick.state");
        var saved = Socsim.Run("run", "--until-uart", "tick 2", "--save-state", state);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        var resumed = Socsim.Run("resume", state);
        Assert.Equal(Socsim.Run("run").Stdout, saved.Stdout + resumed.Stdout);
        var missed = Socsim.Run("run", "--until-uart", "never printed", "--save-state", state, "--max-cycles", "1000");
        Assert.Equal(123, missed.ExitCode);
        Assert.Contains("socsim run: --until-uart 'never printed' not printed: --max-cycles reached at cycle=", missed.Stderr);
    }
}
