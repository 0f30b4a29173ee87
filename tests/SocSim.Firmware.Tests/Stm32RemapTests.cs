using SocSim.Core;
using SocSim.Peripherals.Stm32;

namespace SocSim.Firmware.Tests;

/// <summary>A bare boards/stm32f103.json driven through its registers and pads, shared by the STM32 board-level tests.</summary>
internal sealed class Stm32Bench : IDisposable
{
    public const uint Rcc = 0x4002_1000, Afio = 0x4001_0000, Mapr = Afio + 4;
    public const uint Tim2 = 0x4000_0000, Tim3 = 0x4000_0400, Tim4 = 0x4000_0800;
    public const uint Usart1 = 0x4001_3800, Usart2 = 0x4000_4400, Usart3 = 0x4000_4800;

    public Machine M { get; }
    public List<string> Warnings => M.Warnings;

    public Stm32Bench() => M = Machine.Create([Repo.Board("stm32f103")], [], new MachineOptions { Warnings = TextWriter.Null });

    public void Dispose() => M.Dispose();

    public void W(uint address, uint value) => M.Bus.Write32(address, value, AccessFlags.Privileged);
    public uint R(uint address) => M.Bus.Read32(address, AccessFlags.Privileged);

    /// <summary>RCC_APB2ENR: AFIO, GPIOA-D, USART1; RCC_APB1ENR: TIM2-4, USART2-3 (RM0008 §7.3.7-7.3.8).</summary>
    public void EnableAll()
    {
        W(Rcc + 0x18, 1u | 0x3Cu | 1u << 14);
        W(Rcc + 0x1C, 7u | 1u << 17 | 1u << 18);
    }

    public IrqLine Pad(string pad) => M.Device<Stm32Gpio>("gpio" + char.ToLowerInvariant(pad[1])).Pad(int.Parse(pad.AsSpan(2)));

    /// <summary>Sets pad's CRL/CRH nibble (RM0008 §9.2.1-9.2.2): 0xB alternate-function push-pull 50 MHz, 0x4 floating input.</summary>
    public void Configure(string pad, uint nibble)
    {
        uint port = 0x4001_0800 + 0x400u * (uint)(pad[1] - 'A');
        int n = int.Parse(pad.AsSpan(2));
        uint cr = port + (n < 8 ? 0u : 4u);
        int shift = 4 * (n & 7);
        W(cr, (R(cr) & ~(15u << shift)) | nibble << shift);
    }

    public void Drive(string pad, bool level) => M.DrivePin("gpio" + char.ToLowerInvariant(pad[1]) + "." + pad, level);

    /// <summary>Counts the edges of each pad from now on.</summary>
    public Dictionary<string, int> CountEdges(IEnumerable<string> pads)
    {
        var counts = new Dictionary<string, int>();
        foreach (string p in pads.Distinct())
        {
            counts[p] = 0;
            string key = p;
            Pad(p).Subscribe(_ => counts[key]++);
        }
        return counts;
    }
}

/// <summary>
/// AFIO_MAPR moves the modelled peripherals' signals between pins (RM0008 §9.3.7 timer and §9.3.8 USART
/// remapping tables; the expected pins below are those tables, written out here independently of the model).
/// </summary>
public sealed class Stm32RemapTests
{
    /// <summary>(timer base, MAPR field shift, field value, CH1..CH4 pins) per RM0008's TIM2, TIM3 and TIM4 remapping tables.</summary>
    public static TheoryData<string, int, uint, string[]> TimerRows() => new()
    {
        { "TIM2", 8, 0, ["PA0", "PA1", "PA2", "PA3"] },
        { "TIM2", 8, 1, ["PA15", "PB3", "PA2", "PA3"] },
        { "TIM2", 8, 2, ["PA0", "PA1", "PB10", "PB11"] },
        { "TIM2", 8, 3, ["PA15", "PB3", "PB10", "PB11"] },
        { "TIM3", 10, 0, ["PA6", "PA7", "PB0", "PB1"] },
        { "TIM3", 10, 2, ["PB4", "PB5", "PB0", "PB1"] },
        { "TIM3", 10, 3, ["PC6", "PC7", "PC8", "PC9"] },
        { "TIM4", 12, 0, ["PB6", "PB7", "PB8", "PB9"] },
        { "TIM4", 12, 1, ["PD12", "PD13", "PD14", "PD15"] },
    };

    private static readonly string[] TimerPads =
        ["PA0", "PA1", "PA2", "PA3", "PA6", "PA7", "PA15", "PB0", "PB1", "PB3", "PB4", "PB5", "PB6", "PB7", "PB8", "PB9", "PB10", "PB11",
         "PC6", "PC7", "PC8", "PC9", "PD12", "PD13", "PD14", "PD15"];

    private static uint Base(string tim) => tim switch { "TIM2" => Stm32Bench.Tim2, "TIM3" => Stm32Bench.Tim3, _ => Stm32Bench.Tim4 };

    /// <summary>
    /// Each channel forced active then inactive (OCxM 101/100, CCxE) moves exactly one pad among every
    /// timer pin set as an alternate-function output: the table's. USART2 and USART3 are remapped away
    /// (to PD5 and PD8) so that PA2 and PB10 are free for TIM2_CH3 (see SharedPinShowsTheUsart).
    /// </summary>
    [Theory]
    [MemberData(nameof(TimerRows))]
    public void TimerChannelOutputsAppearOnTheRemappedPins(string tim, int shift, uint value, string[] pins)
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(Stm32Bench.Mapr, value << shift | 1u << 3 | 3u << 4);
        foreach (string p in TimerPads) b.Configure(p, 0xB);
        uint t = Base(tim);
        b.W(t + 0x20, 0x1111);                               // CCER: CC1E-CC4E
        for (int ch = 0; ch < 4; ch++)
        {
            var edges = b.CountEdges(TimerPads);
            uint ccmr = t + (ch < 2 ? 0x18u : 0x1Cu);
            int at = 8 * (ch & 1);
            b.W(ccmr, 5u << (at + 4));                       // OCxM = 101: force active
            Assert.True(b.Pad(pins[ch]).Level, $"{tim} CH{ch + 1} on {pins[ch]}");
            b.W(ccmr, 4u << (at + 4));                       // OCxM = 100: force inactive
            Assert.False(b.Pad(pins[ch]).Level);
            Assert.Equal([pins[ch]], edges.Where(e => e.Value > 0).Select(e => e.Key));
        }
    }

    /// <summary>Each channel's input TIx follows the table's pad: a rising edge there captures (CCxS 01, CCxIF); one on the other candidate pins does not.</summary>
    [Theory]
    [MemberData(nameof(TimerRows))]
    public void TimerChannelInputsComeFromTheRemappedPins(string tim, int shift, uint value, string[] pins)
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(Stm32Bench.Mapr, value << shift);
        foreach (string p in TimerPads) b.Drive(p, false);
        uint t = Base(tim);
        b.W(t + 0x18, 0x0101);                               // CC1S = CC2S = 01
        b.W(t + 0x1C, 0x0101);                               // CC3S = CC4S = 01
        b.W(t + 0x20, 0x1111);                               // CC1E-CC4E, rising edges
        b.W(t + 0x00, 1);                                    // CEN
        foreach (string other in TimerPads.Except(pins))
        {
            b.Drive(other, true);
            b.Drive(other, false);
        }
        Assert.Equal(0u, b.R(t + 0x10) & 0x1E);
        for (int ch = 0; ch < 4; ch++)
        {
            b.Drive(pins[ch], true);
            Assert.Equal(Stm32GpTimer.CCxIF(ch), b.R(t + 0x10) & 0x1E & Stm32GpTimer.CCxIF(ch));
        }
        Assert.Equal(0x1Eu, b.R(t + 0x10) & 0x1E);
    }

    /// <summary>TIM2_ETR shares CH1's pin (PA0, or PA15 with TIM2_REMAP bit 0): external clock mode 2 counts the remapped pad's edges only.</summary>
    [Fact]
    public void Tim2EtrMovesWithChannel1()
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.Drive("PA0", false);
        b.Drive("PA15", false);
        b.W(Stm32Bench.Mapr, 1u << 8);                      // TIM2_REMAP = 01: CH1/ETR on PA15
        b.W(Stm32Bench.Tim2 + 0x08, 1u << 14);              // SMCR.ECE
        b.W(Stm32Bench.Tim2 + 0x00, 1);
        for (int i = 0; i < 5; i++)
        {
            b.Drive("PA0", true); b.Drive("PA0", false);
            b.Drive("PA15", true); b.M.RunFor(10); b.Drive("PA15", false);
        }
        Assert.Equal(5u, b.R(Stm32Bench.Tim2 + 0x24));
    }

    /// <summary>(USART base, MAPR bits for the row, TX pin, RX pin) per RM0008's USART1, USART2 and USART3 remapping tables.</summary>
    public static TheoryData<string, uint, string, string> UsartRows() => new()
    {
        { "USART1", 0, "PA9", "PA10" },
        { "USART1", 1u << 2, "PB6", "PB7" },
        { "USART2", 0, "PA2", "PA3" },
        { "USART2", 1u << 3, "PD5", "PD6" },
        { "USART3", 0, "PB10", "PB11" },
        { "USART3", 1u << 4, "PC10", "PC11" },
        { "USART3", 3u << 4, "PD8", "PD9" },
    };

    private static readonly string[] UsartTx = ["PA9", "PB6", "PA2", "PD5", "PB10", "PC10", "PD8"];
    private static readonly string[] UsartRx = ["PA10", "PB7", "PA3", "PD6", "PB11", "PC11", "PD9"];

    private static uint UsartBase(string u) => u switch { "USART1" => Stm32Bench.Usart1, "USART2" => Stm32Bench.Usart2, _ => Stm32Bench.Usart3 };

    /// <summary>
    /// A byte sent (BRR 160: 160 PCLK cycles a bit) toggles only the table's TX pad among every USART TX
    /// candidate set as AF output; a frame driven on the table's RX pad is received, 0xA5, while frames
    /// on the other RX candidates are not.
    /// </summary>
    [Theory]
    [MemberData(nameof(UsartRows))]
    public void UsartTxAndRxUseTheRemappedPins(string usart, uint mapr, string tx, string rx)
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(Stm32Bench.Mapr, mapr);
        foreach (string p in UsartTx) b.Configure(p, 0xB);
        uint u = UsartBase(usart);
        b.W(u + 0x08, Brr);                                  // BRR: 160 cycles a bit
        b.W(u + 0x0C, Stm32Usart.UE | Stm32Usart.TE | Stm32Usart.RE);
        b.M.RunFor(Brr * 12);                                // the idle frame
        var edges = b.CountEdges(UsartTx);
        b.W(u + 0x04, 0x00);
        b.M.RunFor(Brr * 12);
        Assert.Equal([tx], edges.Where(e => e.Value > 0).Select(e => e.Key));

        foreach (string p in UsartRx.Where(p => p != rx).Append(rx)) SendFrame(b, p, 0xA5);
        Assert.Equal(Stm32Usart.RXNE, b.R(u) & (Stm32Usart.RXNE | Stm32Usart.ORE));
        Assert.Equal(0xA5u, b.R(u + 0x04));
        Assert.Equal(0u, b.R(u) & Stm32Usart.RXNE);
    }

    /// <summary>
    /// An 8N1 frame on a pad at BRR (160) PCLK cycles a bit (HSI 8 MHz: HCLK = PCLK1 = PCLK2). Each bit
    /// edge is driven when the run reaches its cycle, counted from the frame's start (a run stops at an
    /// instruction boundary, a few cycles late: far less than the half bit the receiver samples at).
    /// </summary>
    private static void SendFrame(Stm32Bench b, string pad, int data)
    {
        b.Drive(pad, true);
        b.M.RunFor(Brr);
        long start = b.M.Scheduler.Cycles;
        for (int bit = 0; bit < 10; bit++)
        {
            b.Drive(pad, bit switch { 0 => false, 9 => true, _ => (data >> (bit - 1) & 1) != 0 });
            b.M.Run(start + (bit + 1) * Brr);
        }
        b.M.RunFor(Brr);
    }

    private const uint Brr = 160;

    /// <summary>The documented choice for two modelled outputs on one pin: PA2 shows USART2_TX (idle high), not TIM2_CH3 forced low.</summary>
    [Fact]
    public void SharedPinShowsTheUsart()
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.Configure("PA2", 0xB);
        b.W(Stm32Bench.Tim2 + 0x1C, 4u << 4);                // CC3 forced inactive
        b.W(Stm32Bench.Tim2 + 0x20, 1u << 8);
        Assert.True(b.Pad("PA2").Level);
    }

    /// <summary>Remaps of blocks this board does not model warn once each, naming the field; a reserved remap value warns and connects nothing.</summary>
    [Fact]
    public void UnmodelledAndReservedRemapsWarn()
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(Stm32Bench.Mapr, 1u << 0 | 1u << 6);             // SPI1_REMAP, TIM1_REMAP[0]
        b.W(Stm32Bench.Mapr, 1u << 0 | 1u << 6);
        Assert.Single(b.Warnings, w => w.Contains("AFIO_MAPR.SPI1_REMAP") && w.Contains("does not model"));
        Assert.Single(b.Warnings, w => w.Contains("AFIO_MAPR.TIM1_REMAP[0]"));
        b.W(Stm32Bench.Mapr, 1u << 10);                     // TIM3_REMAP = 01: "not used"
        Assert.Single(b.Warnings, w => w.Contains("TIM3_REMAP = 1 is reserved"));
        b.Configure("PA6", 0xB);
        b.W(Stm32Bench.Tim3 + 0x18, 5u << 4);
        b.W(Stm32Bench.Tim3 + 0x20, 1);
        Assert.False(b.Pad("PA6").Level);
        Assert.DoesNotContain(b.Warnings, w => w.Contains("USART1_REMAP"));
    }
}

/// <summary>
/// RM0008 §15.4.3, table "TIMx internal trigger connection" (Table 86 in Rev 21): TIM2 ITR0-3 = TIM1, TIM8,
/// TIM3, TIM4; TIM3 = TIM1, TIM2, TIM5, TIM4; TIM4 = TIM1, TIM2, TIM3, TIM8. On the F103xB TIM5 and TIM8
/// do not exist and TIM1 is not modelled, which leaves the six rows below, each tested on the board.
/// </summary>
public sealed class Stm32InternalTriggerTests
{
    public static TheoryData<uint, int, uint, uint> Rows() => new()
    {
        { Stm32Bench.Tim2, 2, Stm32Bench.Tim3, Stm32Bench.Tim4 },
        { Stm32Bench.Tim2, 3, Stm32Bench.Tim4, Stm32Bench.Tim3 },
        { Stm32Bench.Tim3, 1, Stm32Bench.Tim2, Stm32Bench.Tim4 },
        { Stm32Bench.Tim3, 3, Stm32Bench.Tim4, Stm32Bench.Tim2 },
        { Stm32Bench.Tim4, 1, Stm32Bench.Tim2, Stm32Bench.Tim3 },
        { Stm32Bench.Tim4, 2, Stm32Bench.Tim3, Stm32Bench.Tim2 },
    };

    /// <summary>
    /// The master (ARR 9, MMS 010: TRGO on each update) and the third timer (PSC 0, ARR 0xFFFF: its CNT is the
    /// clock edges since its start) start on the same edge; the slave in external clock mode 1 on ITRn counts
    /// one per master update: CNT = edges / 10. ITR0 (TIM1, unmodelled) counts nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rows))]
    public void EachSlaveCountsTheUpdatesOfTheTimerItsItrNames(uint slave, int itr, uint master, uint reference)
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(master + 0x2C, 9);                           // ARR
        b.W(master + 0x04, 2u << 4);                     // CR2.MMS = 010: update
        b.W(slave + 0x08, (uint)itr << 4 | 7);           // SMCR: TS = ITRn, SMS = 111
        b.W(slave + 0x00, 1);
        b.W(master + 0x00, 1);
        b.W(reference + 0x00, 1);
        b.M.RunFor(2_345);
        uint edges = b.R(reference + 0x24);
        Assert.True(edges >= 2_345);
        Assert.Equal(edges / 10, b.R(slave + 0x24));
        b.W(slave + 0x08, 7);                            // TS = ITR0 (TIM1: not modelled, unwired)
        uint held = b.R(slave + 0x24);
        b.M.RunFor(500);
        Assert.Equal(held, b.R(slave + 0x24));
    }
}
