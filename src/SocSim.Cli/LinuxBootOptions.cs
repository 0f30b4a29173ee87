using System.CommandLine;
using SocSim.Boards.Linux;

namespace SocSim.Cli;

/// <summary>
/// `socsim run --kernel zImage --dtb FILE [--initrd FILE] [--append TEXT]`: boots Linux as QEMU's
/// <c>-kernel -dtb -initrd -append</c> do (see <see cref="LinuxLoader"/>) instead of running an ELF.
/// </summary>
internal sealed class LinuxBootOptions
{
    private readonly Option<string?> _kernel = new("--kernel") { Description = "a Linux zImage to boot (at RAM+0x10000, r0=0, r1=0x183, r2=the DTB), instead of an ELF" };
    private readonly Option<string?> _dtb = new("--dtb") { Description = "with --kernel: the device tree blob (its /chosen gets bootargs and the initrd's place)" };
    private readonly Option<string?> _initrd = new("--initrd") { Description = "with --kernel: an initramfs, loaded at RAM + min(RAM/2, 128 MiB)" };
    private readonly Option<string?> _append = new("--append") { Description = "with --kernel: the kernel command line (/chosen bootargs)" };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _kernel, _dtb, _initrd, _append }) cmd.Options.Add(o);
    }

    /// <summary>The images to boot, or null when --kernel is absent; a one-line complaint for options that need --kernel or conflict with an ELF.</summary>
    public LinuxImages? Images(ParseResult parse, string? elfPath)
    {
        string? kernel = parse.GetValue(_kernel), dtb = parse.GetValue(_dtb), initrd = parse.GetValue(_initrd), append = parse.GetValue(_append);
        if (kernel == null)
        {
            foreach (var (name, value) in new[] { ("--dtb", dtb), ("--initrd", initrd), ("--append", append) })
                if (value != null) throw new ArgumentException($"{name} needs --kernel");
            return null;
        }
        if (elfPath != null) throw new ArgumentException("--kernel boots a zImage instead of an ELF: give one or the other");
        if (dtb == null) throw new ArgumentException("--kernel needs --dtb (the kernel is given a device tree, not ATAGS)");
        return new LinuxImages(Path.GetFullPath(kernel), Path.GetFullPath(dtb), initrd == null ? null : Path.GetFullPath(initrd), append);
    }
}
