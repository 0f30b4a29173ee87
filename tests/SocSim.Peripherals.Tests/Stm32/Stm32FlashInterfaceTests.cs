using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32FlashInterface;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>
/// The flash interface's cost model, one call per 32-bit I-Code word or D-Code read, at HCLK = the
/// core clock. Every expected figure is derived in the comments from RM0008 §3.3.3's rules as the
/// model states them (a flash read of one 64-bit block takes 1 + LATENCY cycles; the prefetch buffer
/// holds the current block and reads the next one while the CPU executes the current one).
/// </summary>
public sealed class Stm32FlashInterfaceTests
{
    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly ClockDomain _hclk = ClockDomain.OnTimeBase("HCLK", 8_000_000, 72_000_000);
    private readonly List<string> _warnings = new();
    private readonly Stm32FlashInterface _f;

    public Stm32FlashInterfaceTests() => _f = new Stm32FlashInterface("flash_if", _s, _hclk, _warnings.Add);

    private void Set(uint latency, bool prefetch) => W(_f, ACR, latency | (prefetch ? PRFTBE : 0));

    /// <summary>Straight-line code: <paramref name="words"/> words fetched one after the other, each issued when the previous is served; returns the cycles.</summary>
    private long Sequential(int words, uint start = 0)
    {
        long now = 0;
        for (int i = 0; i < words; i++) now += _f.Clocks(start + (uint)(4 * i), 4, AccessFlags.Code | AccessFlags.Seq, now);
        return now;
    }

    [Fact]
    public void ResetValues()
    {
        // RM0008 §3.3.3 / PM0075 §3.3: ACR 0x30 (prefetch enabled and its status set, LATENCY 0), CR.LOCK.
        Assert.Equal(0x30u, R(_f, ACR));
        Assert.Equal(LOCK, R(_f, CR));
        Assert.Equal(0u, R(_f, SR));
        Assert.Equal(0x03FF_FFFCu, R(_f, OBR));
        Assert.Equal(0xFFFF_FFFFu, R(_f, WRPR));
    }

    /// <summary>
    /// Prefetch off: every word is a flash read, 1 + LATENCY cycles: 2N words cost 2N(1 + LATENCY). Here 2N = 100.
    /// Prefetch on: the first block costs 1 + LATENCY for its first word and 1 for its second; each
    /// later block was requested when the CPU entered the block before, and the CPU waits for it
    /// max(1, rest of the read): a block every max(2, 1 + LATENCY) cycles. 2N words:
    /// LATENCY 0: 1 + 1 + 2(N - 1) = 2N; LATENCY 1: 2 + 1 + 2(N - 1) = 2N + 1; LATENCY 2: 3 + 1 + 3(N - 1) = 3N + 1.
    /// </summary>
    [Theory]
    [InlineData(0u, false, 100)]
    [InlineData(1u, false, 200)]
    [InlineData(2u, false, 300)]
    [InlineData(0u, true, 100)]
    [InlineData(1u, true, 101)]
    [InlineData(2u, true, 151)]
    public void StraightLineCode100Words(uint latency, bool prefetch, long expected)
    {
        Set(latency, prefetch);
        Assert.Equal(expected, Sequential(100));
    }

    /// <summary>
    /// A loop within one 8-byte block (SUBS + BNE: one word, then the branch back): after the first
    /// miss, each iteration's fetch is the current block: 1 cycle whatever LATENCY. A loop spanning two
    /// blocks (words at 0, 4, 8, 12): entering block 1 moves the buffer on (current 1, next 2), so the
    /// branch back to block 0 misses: per iteration 1 + LATENCY (block 0, word 0) + 1 (word 1) +
    /// the wait for block 1, requested when block 0 was entered: max(1, 1 + LATENCY - 1) + 1 (word 3).
    /// LATENCY 2: 3 + 1 + 2 + 1 = 7 per iteration, each word issued when the previous is served.
    /// </summary>
    [Fact]
    public void LoopsInOneBlockRunFromTheBufferAndLoopsAcrossBlocksMiss()
    {
        Set(2, true);
        long now = 0;
        now += _f.Clocks(0, 4, AccessFlags.Code, now);
        Assert.Equal(3, now);
        for (int i = 0; i < 10; i++) Assert.Equal(1, _f.Clocks(0, 4, AccessFlags.Code, now++));
        W(_f, ACR, 0);                         // an ACR change empties the buffer
        Set(2, true);
        now = 1000;
        for (int i = 0; i < 3; i++)
        {
            long t0 = now;
            for (uint w = 0; w < 4; w++) now += _f.Clocks(w * 4, 4, AccessFlags.Code | (w == 0 ? 0 : AccessFlags.Seq), now);
            Assert.Equal(7, now - t0);
        }
    }

    /// <summary>
    /// D-Code reads are not buffered (1 + LATENCY each) and take the flash from a prefetch in progress:
    /// LATENCY 2, fetch word 0 (miss: 3, block 1 requested, due at 6), a literal load at 3 (3 cycles: the
    /// prefetch is abandoned), then word 2 in block 1 misses: 3.
    /// </summary>
    [Fact]
    public void DataReadsCostAFlashReadAndAbandonThePrefetch()
    {
        Set(2, true);
        Assert.Equal(3, _f.Clocks(0, 4, AccessFlags.Code, 0));
        Assert.Equal(3, _f.Clocks(0x100, 4, AccessFlags.None, 3));
        Assert.Equal(3, _f.Clocks(8, 4, AccessFlags.Code | AccessFlags.Seq, 6));
        // A prefetch already finished is kept: block 2 was requested at 9, done at 12; a data read at 12 leaves it.
        Assert.Equal(3, _f.Clocks(0x100, 4, AccessFlags.None, 12));
        Assert.Equal(1, _f.Clocks(16, 4, AccessFlags.Code | AccessFlags.Seq, 15));
    }

    /// <summary>RM0008 §3.3.3: 0 wait states up to 24 MHz, 1 up to 48, 2 up to 72: a smaller LATENCY warns when SYSCLK or ACR changes.</summary>
    [Fact]
    public void LatencyTooSmallForTheClockWarns()
    {
        Assert.Equal(0u, LatencyNeeded(24_000_000));
        Assert.Equal(1u, LatencyNeeded(24_000_001));
        Assert.Equal(1u, LatencyNeeded(48_000_000));
        Assert.Equal(2u, LatencyNeeded(72_000_000));
        _hclk.SetFrequency(72_000_000, 0);
        Assert.Equal("flash_if: FLASH_ACR.LATENCY = 0 is too small for SYSCLK = 72 MHz: RM0008 §3.3.3 asks 2 wait states (running as programmed)", Assert.Single(_warnings));
        _warnings.Clear();
        W(_f, ACR, 2 | PRFTBE);
        Assert.Empty(_warnings);
        Assert.Equal(0x32u, R(_f, ACR));
        W(_f, ACR, 1 | PRFTBE);
        Assert.Contains("LATENCY = 1 is too small for SYSCLK = 72 MHz", Assert.Single(_warnings));
    }

    [Fact]
    public void PrefetchStatusFollowsTheEnableAndOddSettingsWarn()
    {
        W(_f, ACR, 0);
        Assert.Equal(0u, R(_f, ACR));
        W(_f, ACR, HLFCYA | PRFTBE);
        Assert.Equal(0x38u, R(_f, ACR));
        Assert.Empty(_warnings);
        _hclk.SetFrequency(36_000_000, 0);
        _warnings.Clear();
        W(_f, ACR, 1);
        Assert.Single(_warnings, w => w.Contains("prefetch buffer is switched off at 36 MHz"));
        W(_f, ACR, 1 | HLFCYA);
        Assert.Single(_warnings, w => w.Contains("HLFCYA at 36 MHz"));
        W(_f, ACR, 3);
        Assert.Single(_warnings, w => w.Contains("LATENCY = 3 is reserved"));
    }

    /// <summary>PM0075 §3.3.2: KEY1 then KEY2 clears CR.LOCK; programming requests are warned (not modelled).</summary>
    [Fact]
    public void UnlockSequenceAndProgrammingRequests()
    {
        W(_f, CR, 1);
        Assert.Contains("locked", Assert.Single(_warnings));
        W(_f, KEYR, Key1);
        W(_f, KEYR, Key2);
        Assert.Equal(0u, R(_f, CR));
        W(_f, CR, 1);
        Assert.Equal(1u, R(_f, CR));
        Assert.Contains(_warnings, w => w.Contains("program or erase") && w.Contains("not modelled"));
    }
}

/// <summary>The flash interface on a bus: the boot alias at 0 and the bit-band aliases.</summary>
public sealed class Stm32MemoryMapTests : IDisposable
{
    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly Bus _bus;
    private readonly MemoryRegion _flash, _boot, _sram;
    private readonly Stm32FlashInterface _f;

    public Stm32MemoryMapTests()
    {
        _bus = new Bus(_s);
        _flash = new MemoryRegion("flash", 0x0800_0000, 128 * 1024, RegionKind.Rom, 32, WaitStates.Zero);
        _boot = new MemoryRegion("boot", 0, 128 * 1024, RegionKind.Rom, 32, WaitStates.Zero);
        _sram = new MemoryRegion("sram", 0x2000_0000, 20 * 1024, RegionKind.Ram, 32, WaitStates.Zero);
        _bus.AddRegion(_flash);
        _bus.AddRegion(_boot);
        _bus.AddRegion(_sram);
        _f = (Stm32FlashInterface)Stm32FlashInterface.Type.Create(new SocSim.Core.Devices.DeviceContext
        {
            Name = "flash_if",
            Scheduler = _s,
            Clock = new ClockDomain("HCLK", 72_000_000, 1),
            Parameters = new Dictionary<string, object> { ["flash"] = "flash", ["alias"] = "boot" },
            Bus = _bus,
        });
        _bus.AddDevice("bb_sram", 0x2200_0000, CortexMBitBand.AliasSize, new CortexMBitBand("bb_sram", _bus, 0x2000_0000), WaitStates.Zero);
    }

    public void Dispose()
    {
        _boot.Dispose();
        _flash.Dispose();
        _sram.Dispose();
        _bus.Dispose();
    }

    /// <summary>RM0008 §3.4: with BOOT0 = 0 the main flash is aliased at 0: same bytes (debug reads too, for the vector table), same prefetch buffer.</summary>
    [Fact]
    public void TheBootAliasShowsTheFlash()
    {
        _flash.Load(0x0800_0000, [0x00, 0x50, 0x00, 0x20, 0xB5, 0x07, 0x00, 0x08]);
        Assert.Equal(0x2000_5000u, _bus.DebugRead32(0));
        Assert.Equal(0x0800_07B5u, _bus.DebugRead32(4));
        long c0 = _s.Cycles;
        Assert.Equal(0x0800_07B5u, _bus.Read32(4, AccessFlags.Code));
        W(_f, ACR, 2 | PRFTBE);
        Assert.Equal(3, _f.Clocks(0x100, 4, AccessFlags.Code, 1000));          // miss at 0x100 (alias)
        Assert.Equal(1, _f.Clocks(0x0800_0104, 4, AccessFlags.Code, 1003));    // the same block at 0x08000104
        _bus.Write32(0, 0xFFFF_FFFF, AccessFlags.Write);                        // ROM: no change
        Assert.Equal(0x2000_5000u, _bus.DebugRead32(0x0800_0000));
        Assert.True(_s.Cycles > c0);
    }

    /// <summary>ARMv7-M A3.7: alias word 0x22000000 + (byte offset × 32) + (bit × 4) is bit 'bit' of 0x20000000 + offset.</summary>
    [Fact]
    public void BitBandAliasReadsAndWritesOneBit()
    {
        _bus.Write32(0x2000_0010, 0x0000_0100, AccessFlags.Write);
        Assert.Equal(1u, _bus.Read32(0x2200_0000 + 0x11 * 32 + 0 * 4, AccessFlags.None));
        Assert.Equal(0u, _bus.Read32(0x2200_0000 + 0x11 * 32 + 1 * 4, AccessFlags.None));
        _bus.Write32(0x2200_0000 + 0x13 * 32 + 7 * 4, 1, AccessFlags.Write);
        Assert.Equal(0x8000_0100u, _bus.Read32(0x2000_0010, AccessFlags.None));
        _bus.Write32(0x2200_0000 + 0x11 * 32, 0xFFFF_FFFE, AccessFlags.Write); // bit 0 of the value: clear
        Assert.Equal(0x8000_0000u, _bus.Read32(0x2000_0010, AccessFlags.None));
        Assert.Throws<ArgumentException>(() => new CortexMBitBand("bad", _bus, 0x3000_0000));
    }
}

/// <summary>RM0041 §3.3.3: the value line's flash has zero wait states and no prefetch buffer; FLASH_ACR holds HLFCYA only.</summary>
public sealed class Stm32F100FlashInterfaceTests
{
    [Fact]
    public void EveryReadIsOneCycle()
    {
        var s = new Scheduler(24_000_000, 1);
        var warnings = new List<string>();
        var f = (Stm32FlashInterface)Stm32FlashInterface.Type.Create(new SocSim.Core.Devices.DeviceContext
        {
            Name = "flash_if", Scheduler = s, Clock = new ClockDomain("HCLK", 24_000_000, 1),
            Parameters = new Dictionary<string, object> { ["flash"] = "flash", ["alias"] = "", ["part"] = "f100" }, Warn = warnings.Add,
        });
        Assert.Equal(0u, R(f, ACR));
        W(f, ACR, 2);
        Assert.Equal(0u, R(f, ACR));
        Assert.Contains("no wait states", Assert.Single(warnings));
        for (uint a = 0; a < 64; a += 4) Assert.Equal(1, f.Clocks(a, 4, AccessFlags.Code | AccessFlags.Seq, a));
        Assert.Equal(1, f.Clocks(0x200, 4, AccessFlags.None, 100));
    }
}
