using SocSim.Core;
using static SocSim.Peripherals.Pl190Vic;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>The LPC2106's VIC (UM10275 chapter 5): what NXP's integration of the PL190 adds or specifies.</summary>
public sealed class Lpc2106VicTests
{
    private readonly List<string> _warnings = [];
    private readonly Lpc2106Vic _v;
    private readonly Pl190Vic _pl190;

    public Lpc2106VicTests()
    {
        _v = new Lpc2106Vic("vic", _warnings.Add);
        _pl190 = _v.Pl190;
    }

    /// <summary>
    /// Table 51 / §5.7: a read of VICVectAddr with no new request (a spurious interrupt in a nested
    /// handler) returns VICDefVectAddr, not the address of the level in service, and changes nothing.
    /// </summary>
    [Fact]
    public void VectAddrWithNoNewRequestReturnsTheDefaultVector_EvenInANestedHandler()
    {
        W(_v, VICDefVectAddr, 0xDEF0);
        W(_v, VICVectAddr0 + 4, 0x2000);
        W(_v, VICVectCntl0 + 4, VectCntlE | 3);
        W(_v, VICIntEnable, 1u << 3);
        _pl190.Input(3).Set(true);
        Assert.Equal(0x2000u, R(_v, VICVectAddr));   // slot 1 in service
        Assert.Equal(0xDEF0u, R(_v, VICVectAddr));   // spurious: the default vector
        Assert.Equal(1, _pl190.CurrentPriority);         // still slot 1 in service
        _pl190.Input(3).Set(false);
        W(_v, VICVectAddr, 0);
        Assert.Equal(17, _pl190.CurrentPriority);
    }

    /// <summary>§5.8: writing 1 to a VICSoftIntClear bit clears VICSoftInt once; again only after a 0.</summary>
    [Fact]
    public void SoftIntClearHasAOneTimeEffect()
    {
        W(_v, VICSoftInt, 0x5);
        W(_v, VICSoftIntClear, 0x1);
        Assert.Equal(0x4u, R(_v, VICSoftInt));
        W(_v, VICSoftInt, 0x1);
        W(_v, VICSoftIntClear, 0x1);                // the same bit again without a 0 between: no effect
        Assert.Equal(0x5u, R(_v, VICSoftInt));
        W(_v, VICSoftIntClear, 0x4);                // bit 2 goes 0 -> 1: clears; bit 0 goes 1 -> 0
        Assert.Equal(0x1u, R(_v, VICSoftInt));
        W(_v, VICSoftIntClear, 0x1);                // bit 0 went through 0: clears
        Assert.Equal(0x0u, R(_v, VICSoftInt));
    }

    /// <summary>
    /// §5.3: byte and halfword accesses are not supported. Our choice: the VIC ignores the size; a
    /// write stores the data bus, on which the ARM7TDMI-S repeats the byte or halfword; one warning.
    /// </summary>
    [Fact]
    public void ByteAndHalfwordAccessesActOnTheWholeWord_WithOneWarning()
    {
        W(_v, VICIntEnable, 0x01, size: 1);
        Assert.Equal(0x0101_0101u, R(_v, VICIntEnable));
        W(_v, VICDefVectAddr + 2, 0x1234, size: 2);
        Assert.Equal(0x1234_1234u, R(_v, VICDefVectAddr));
        Assert.Equal(0x12u, R(_v, VICDefVectAddr + 3, size: 1));
        Assert.Single(_warnings);
        Assert.Contains("byte write at 0x10000010", _warnings[0]);
        Assert.Contains("UM10275 §5.3", _warnings[0]);
    }

    [Fact]
    public void TheSlotIs16KiB_AndTheRegistersRepeatEvery4KiB()
    {
        Assert.Equal(0x4000u, Lpc2106Vic.Type.WindowSize);
        W(_v, VICDefVectAddr, 0xABC0);
        bool abort = false;
        foreach (uint page in new uint[] { 0xFFFFC000, 0xFFFFD000, 0xFFFFE000, 0xFFFFF000 })
            Assert.Equal(0xABC0u, _v.Read(page + VICVectAddr, 4, AccessFlags.Privileged, ref abort));
    }
}
