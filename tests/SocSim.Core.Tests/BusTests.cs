using SocSim.Core;

namespace SocSim.Core.Tests;

public class BusTests
{
    private sealed class Recorder : IBusObserver
    {
        public readonly List<BusCycle> Cycles = new();
        public void OnBusCycle(in BusCycle c) => Cycles.Add(c);
    }

    [Theory]
    // 32-bit region, N=2 S=1 read, N=3 S=2 write wait states
    [InlineData(32, 4, false, false, 3)]
    [InlineData(32, 4, false, true, 2)]
    [InlineData(32, 4, true, false, 4)]
    [InlineData(32, 1, true, true, 3)]
    // 16-bit region: a word is an access as announced and then a sequential one
    [InlineData(16, 4, false, false, 3 + 2)]
    [InlineData(16, 4, false, true, 2 + 2)]
    [InlineData(16, 2, false, false, 3)]
    // 8-bit region: a word is four accesses
    [InlineData(8, 4, false, false, 3 + 3 * 2)]
    [InlineData(8, 2, true, false, 4 + 3)]
    public void AccessCostFollowsWaitStatesAndBusWidth(int width, int size, bool write, bool seq, int expected)
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var r = new MemoryRegion("r", 0x1000, 0x1000, RegionKind.Ram, width, new WaitStates(2, 1, 3, 2));
        bus.AddRegion(r);
        var f = seq ? AccessFlags.Seq : AccessFlags.None;
        long before = s.Cycles;
        switch ((size, write))
        {
            case (4, false): bus.Read32(0x1000, f); break;
            case (2, false): bus.Read16(0x1000, f); break;
            case (1, false): bus.Read8(0x1000, f); break;
            case (4, true): bus.Write32(0x1000, 1, f); break;
            case (2, true): bus.Write16(0x1000, 1, f); break;
            default: bus.Write8(0x1000, 1, f); break;
        }
        Assert.Equal(expected, s.Cycles - before);
    }

    [Fact]
    public void RamReadsBackWhatWasWrittenAndRomIgnoresWrites()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var ram = new MemoryRegion("ram", 0, 0x2000, RegionKind.Ram, 32, WaitStates.Zero);
        using var rom = new MemoryRegion("rom", 0x8000, 0x1000, RegionKind.Rom, 32, WaitStates.Zero);
        bus.AddRegion(ram);
        bus.AddRegion(rom);
        rom.Load(0x8000, new byte[] { 0x78, 0x56, 0x34, 0x12 });
        bus.Write32(0x1ffc, 0xdeadbeef, AccessFlags.None);
        bus.Write8(0x1ffd, 0x11, AccessFlags.None);
        Assert.Equal(0xdead11efu, bus.Read32(0x1ffc, AccessFlags.None));
        Assert.Equal(0xdeadu, bus.Read16(0x1ffe, AccessFlags.None));
        bus.Write32(0x8000, 0, AccessFlags.None);
        Assert.Equal(0x12345678u, bus.Read32(0x8000, AccessFlags.None));
        Assert.False(bus.Aborted);
    }

    [Fact]
    public void UnmappedAccessAbortsAndOverlapIsRejected()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var ram = new MemoryRegion("ram", 0, 0x2000, RegionKind.Ram, 32, WaitStates.Zero);
        bus.AddRegion(ram);
        bus.Read32(0x4000_0000, AccessFlags.None);
        Assert.True(bus.Aborted);
        using var other = new MemoryRegion("other", 0x1000, 0x2000, RegionKind.Ram, 32, WaitStates.Zero);
        var e = Assert.Throws<ArgumentException>(() => bus.AddRegion(other));
        Assert.Contains("overlaps 'ram'", e.Message);
    }

    [Fact]
    public void ObserverSeesEveryClockWithKindAndAttributes()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var ram = new MemoryRegion("ram", 0, 0x1000, RegionKind.Ram, 32, new WaitStates(1, 0, 1, 0));
        bus.AddRegion(ram);
        var rec = new Recorder();
        bus.Subscribe(rec);
        bus.Read32(0x10, AccessFlags.Code);
        bus.Idle(1);
        bus.Write8(0x21, 0x5a, AccessFlags.Seq | AccessFlags.Lock);
        Assert.Equal(3, rec.Cycles.Count);
        Assert.Equal(new BusCycle(0, 0x10, 0, 4, CycleKind.N, AccessFlags.Code | AccessFlags.Privileged, 2, false), rec.Cycles[0]);
        Assert.Equal(CycleKind.I, rec.Cycles[1].Kind);
        Assert.Equal(2, rec.Cycles[1].Cycle);
        Assert.Equal(CycleKind.S, rec.Cycles[2].Kind);
        Assert.True(rec.Cycles[2].IsWrite && rec.Cycles[2].IsLocked);
        Assert.Equal(0x5au, rec.Cycles[2].Data);
    }

    [Fact]
    public void PartialPagesOfSmallRegionsStillWork()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var sram = new MemoryRegion("sram", 0x2000_0100, 0x100, RegionKind.Ram, 32, WaitStates.Zero);
        bus.AddRegion(sram);
        bus.Write32(0x2000_0104, 0xcafef00d, AccessFlags.None);
        Assert.Equal(0xcafef00du, bus.Read32(0x2000_0104, AccessFlags.None));
        bus.Read32(0x2000_0000, AccessFlags.None);
        Assert.True(bus.Aborted);
    }
}

public class BusPrivilegeTests
{
    private sealed class FlagDevice : IBusDevice
    {
        public AccessFlags Last;
        public uint Read(uint a, int size, AccessFlags f, ref bool abort) { Last = f; return 0; }
        public void Write(uint a, int size, uint v, AccessFlags f, ref bool abort) { Last = f; }
    }

    [Fact]
    public void DevicesSeeNTransFromTheCpuMode()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        var dev = new FlagDevice();
        bus.AddDevice("dev", 0x1000_0000, 0x1000, dev, WaitStates.Zero);
        bus.Read32(0x1000_0000, AccessFlags.None);
        Assert.True((dev.Last & AccessFlags.Privileged) != 0);
        bus.Privileged = false;
        bus.Write32(0x1000_0000, 0, AccessFlags.None);
        Assert.True((dev.Last & AccessFlags.Privileged) == 0);
        Assert.True((dev.Last & AccessFlags.Write) != 0);
    }
}
