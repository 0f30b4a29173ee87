using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SocSim.Boards.Linux;

namespace SocSim.Boards.Tests;

/// <summary>The flattened device tree reader/writer and the Linux loader on the Versatile/PB926EJ-S board.</summary>
public sealed class LinuxLoaderTests
{
    private static string SharedLinux => Path.GetFullPath(Path.Combine(TestFiles.RepoRoot, "..", "shared", "linux"));
    private static string Dtb => Path.Combine(SharedLinux, "versatile-pb.dtb");
    private static string Board => Path.Combine(TestFiles.RepoRoot, "boards", "versatilepb-arm926.json");

    private static string Dts(byte[] blob)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, blob);
            var p = Process.Start(new ProcessStartInfo("dtc", ["-I", "dtb", "-O", "dts", "-q", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
            return text;
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void DeviceTreeRoundTripsAsDtcReadsIt()
    {
        byte[] blob = File.ReadAllBytes(Dtb);
        var fdt = FlattenedDeviceTree.Parse(blob, "dtb");
        Assert.Equal("ARM Versatile PB\0", Encoding.UTF8.GetString(fdt.Root.Property("model")!));
        Assert.NotNull(fdt.Find("/amba/interrupt-controller@10003000"));
        Assert.Equal(Dts(blob), Dts(fdt.ToBlob()));
    }

    [Fact]
    public void MalformedBlobsAreOneLineErrorsNamingTheFile()
    {
        byte[] blob = File.ReadAllBytes(Dtb);
        Assert.Equal("x.dtb: not a device tree blob (4 bytes, shorter than the 40-byte header)",
            Assert.Throws<DeviceTreeException>(() => FlattenedDeviceTree.Parse(blob.AsSpan(0, 4), "x.dtb")).Message);
        var bad = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(8), (uint)blob.Length - 4); // structure block past the end
        Assert.StartsWith("x.dtb: malformed device tree blob", Assert.Throws<DeviceTreeException>(() => FlattenedDeviceTree.Parse(bad, "x.dtb")).Message);
        bad = (byte[])blob.Clone();
        uint offStruct = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan((int)offStruct), 7); // an unknown token
        Assert.Equal("x.dtb: malformed device tree blob (unknown token 0x00000007 at structure offset 0x0)",
            Assert.Throws<DeviceTreeException>(() => FlattenedDeviceTree.Parse(bad, "x.dtb")).Message);
    }

    [Fact]
    public void LoaderPlacesImagesAndWritesChosenAsQemuDoes()
    {
        using var m = Machine.Create([Board], ["cpu.type=arm7tdmi"]);
        var images = new LinuxImages(Path.Combine(SharedLinux, "zImage"), Dtb, Path.Combine(SharedLinux, "rootfs.cpio.gz"), "console=ttyAMA0 rdinit=/init");
        var linux = m.LoadLinux(images);
        byte[] zImage = File.ReadAllBytes(images.Kernel), initrd = File.ReadAllBytes(images.Initrd!);
        Assert.Equal(0x10000u, linux.KernelAddress);
        Assert.Equal(0x04000000u, linux.InitrdAddress);
        Assert.Equal((0x04000000u + (uint)initrd.Length + 0xFFF) & ~0xFFFu, linux.DtbAddress);
        Assert.Equal((File.ReadAllBytes(Dtb).Length + 10000) * 2, linux.Dtb.Length); // QEMU's room to grow
        Assert.Equal((uint)linux.Dtb.Length, BinaryPrimitives.ReadUInt32BigEndian(linux.Dtb[4..])); // totalsize
        Assert.Equal(0x10000u, m.Core.Pc);
        var inRam = new byte[zImage.Length];
        m.Bus.DebugRead(0x10000, inRam);
        Assert.Equal(zImage, inRam);
        inRam = new byte[initrd.Length];
        m.Bus.DebugRead(0x04000000, inRam);
        Assert.Equal(initrd, inRam);

        var dtb = new byte[linux.Dtb.Length];
        m.Bus.DebugRead(linux.DtbAddress, dtb);
        string dts = Dts(dtb);
        Assert.Contains("bootargs = \"console=ttyAMA0 rdinit=/init\";", dts);
        Assert.Contains($"linux,initrd-start = <0x4000000>;", dts);
        Assert.Contains($"linux,initrd-end = <0x{0x04000000 + initrd.Length:x}>;", dts);
        Assert.Contains("stdout-path = \"/amba/uart@101f1000\";", dts); // what /chosen had is kept
        Assert.Contains("reg = <0x00 0x8000000>;", dts);
        // The rest of the tree is the kernel's.
        string original = Dts(File.ReadAllBytes(Dtb));
        Assert.Equal(original.Split('\n').Length + 3, dts.Split('\n').Length);

        Assert.Equal(0u, m.Core.ReadRegister(m.Board.Cpu.Type.RegisterIndex("r0")));
        Assert.Equal(0x183u, m.Core.ReadRegister(m.Board.Cpu.Type.RegisterIndex("r1")));
        Assert.Equal(linux.DtbAddress, m.Core.ReadRegister(m.Board.Cpu.Type.RegisterIndex("r2")));

        // A board reset loads the images again (what the kernel overwrote is restored) and restarts the kernel.
        m.Bus.DebugWrite(0x10000, [0, 0, 0, 0]);
        m.Core.WriteRegister(m.Board.Cpu.Type.RegisterIndex("r2"), 7);
        m.Reset();
        m.Bus.DebugRead(0x10000, inRam.AsSpan(0, 4));
        Assert.Equal(zImage[..4], inRam[..4]);
        Assert.Equal(linux.DtbAddress, m.Core.ReadRegister(m.Board.Cpu.Type.RegisterIndex("r2")));
        Assert.Equal(0x10000u, m.Core.Pc);
    }

    [Fact]
    public void WithoutInitrdTheDtbTakesItsPlaceAndChosenGetsNoInitrd()
    {
        using var m = Machine.Create([Board], ["cpu.type=arm7tdmi"]);
        var linux = m.LoadLinux(new LinuxImages(Path.Combine(SharedLinux, "zImage"), Dtb));
        Assert.Equal(0x04000000u, linux.DtbAddress);
        string dts = Dts(linux.Dtb.ToArray());
        Assert.DoesNotContain("initrd", dts);
        Assert.DoesNotContain("bootargs", dts);
    }
}
