using SocSim.Boards.Linux;

namespace SocSim;

public sealed partial class Machine
{
    private LinuxLoader? _linux;

    /// <summary>The Linux images this machine boots (null when it runs an ELF or a raw image).</summary>
    public LinuxLoader? Linux => _linux;

    /// <summary>
    /// Boots a Linux zImage with its device tree and initramfs as QEMU's <c>-kernel -dtb -initrd -append</c>
    /// do (see <see cref="LinuxLoader"/>); a board reset loads them again and restarts the kernel.
    /// </summary>
    public LinuxLoader LoadLinux(LinuxImages images)
    {
        var linux = LinuxLoader.Prepare(Board, images);
        Elf = null;
        _image.Clear();
        Semihosting?.ResetExit();
        Scheduler.Cycles = 0;
        linux.Load(Bus, Core, Board.Cpu.Type);
        _linux = linux;
        return linux;
    }

    /// <summary>
    /// Whether a reset of the whole board that the firmware asks for (SYS_RESETCTL, a watchdog) ends
    /// <see cref="Run"/> (<see cref="StopReason.Reset"/>) instead of resetting and running on, as
    /// QEMU's <c>-no-reboot</c>.
    /// </summary>
    public bool StopOnSystemReset { get; set; }
}

public sealed partial class Machine
{
    /// <summary>Each byte the console UART transmits, at the end of its frame (what `--until-uart` watches).</summary>
    public event Action<byte>? ConsoleOutput;
}
