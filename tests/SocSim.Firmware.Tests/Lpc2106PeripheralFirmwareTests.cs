using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Our LPC2106 firmware driving the PWM, RTC, I²C and SPI blocks and the board parts (firmware/lpc2106/),
/// judged from the pins and the firmware's own register values, and its UART0 text against
/// firmware/lpc2106/expected/.
/// </summary>
public sealed class Lpc2106PeripheralFirmwareTests
{
    private const uint PwmBase = 0xE0014000;

    /// <summary>A register as the firmware reads it (debug reads of the bus see devices as 0).</summary>
    private static uint Reg(Machine m, string device, uint address)
    {
        bool abort = false;
        uint v = m.Devices[device].Read(address, 4, AccessFlags.Privileged, ref abort);
        Assert.False(abort);
        return v;
    }

    private sealed class Run(Machine m) : IDisposable
    {
        public Machine M { get; } = m;
        public readonly Dictionary<string, List<(long Tick, bool Level)>> Edges = new();
        public RunResult Result = null!;
        public void Dispose() => M.Dispose();
    }

    private static Run RunToExit(string elf, string[] pins, string[]? boards = null, string[]? sets = null, Action<Machine>? onCreate = null, string? expected = null)
    {
        var m = Machine.Create(boards ?? [Repo.Board("lpc2106")], sets ?? [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Repo.Elf(elf));
        onCreate?.Invoke(m);
        var run = new Run(m);
        foreach (var pin in pins)
        {
            var list = run.Edges[pin] = new();
            m.InterruptOutput("gpio", pin).Subscribe(level => list.Add((m.Scheduler.EventTime, level)));
        }
        run.Result = m.Run(200_000_000);
        Assert.Equal(StopReason.Exit, run.Result.Reason);
        Assert.Equal(0, run.Result.ExitCode);
        string text = Path.Combine(Repo.Root, "firmware", "lpc2106", "expected", (expected ?? elf) + ".txt");
        Assert.Equal(File.ReadAllText(text), m.UartOutput("uart0"));
        return run;
    }

    /// <summary>The complete high pulses of a pin: (rise tick, high ticks).</summary>
    private static List<(long Rise, long High)> Pulses(List<(long Tick, bool Level)> edges)
    {
        var list = new List<(long, long)>();
        for (int i = 0; i + 1 < edges.Count; i++)
            if (edges[i].Level && !edges[i + 1].Level) list.Add((edges[i].Tick, edges[i + 1].Tick - edges[i].Tick));
        return list;
    }

    /// <summary>
    /// lpc2106_pwm: the period of every pin is PWMMR0·(PWMPR+1) PCLK cycles and each pulse as long as its
    /// match registers say (single edge MRn, double edge MR4 − MR3), all read from the PWM the firmware
    /// programmed; PWM2 has the first MR2 for four cycles and the new one from the Match 0 after PWMLER.
    /// </summary>
    [Fact]
    public void Pwm_PinPeriodAndDutyFollowTheFirmwaresRegisters()
    {
        using var r = RunToExit("lpc2106_pwm", ["P0_7", "P0_8", "P0_21"]);
        var m = r.M;
        long pclk = m.Clocks["PCLK"].PeriodTicks;
        long count = (Reg(m, "pwm", PwmBase + 0x0C) + 1) * pclk;                    // one PWMTC count
        long period = Reg(m, "pwm", PwmBase + 0x18) * count;                          // PWMMR0 (PWM mode counts 1..MR0)
        uint mr2First = m.ReadWord("pwm_mr2_first"), mr2 = Reg(m, "pwm", PwmBase + 0x20);
        uint mr3 = Reg(m, "pwm", PwmBase + 0x24), mr4 = Reg(m, "pwm", PwmBase + 0x40), mr5 = Reg(m, "pwm", PwmBase + 0x44);
        Assert.NotEqual(mr2First, mr2);

        var pwm2 = Pulses(r.Edges["P0_7"]);
        Assert.Equal(Enumerable.Repeat(mr2First * count, 4), pwm2.Take(4).Select(p => p.High));
        Assert.True(pwm2.Count >= 6);
        Assert.All(pwm2.Skip(4), p => Assert.Equal(mr2 * count, p.High));
        foreach (var pulses in new[] { pwm2, Pulses(r.Edges["P0_8"]), Pulses(r.Edges["P0_21"]) })
            for (int i = 1; i < pulses.Count; i++) Assert.Equal(period, pulses[i].Rise - pulses[i - 1].Rise);

        var pwm4 = Pulses(r.Edges["P0_8"]);   // double edge: set by MR3, reset by MR4
        Assert.All(pwm4, p => Assert.Equal((mr4 - mr3) * count, p.High));
        Assert.Equal(pwm2[0].Rise + mr3 * count, pwm4.First(p => p.Rise > pwm2[0].Rise).Rise); // in the same PWM cycle
        var pwm5 = Pulses(r.Edges["P0_21"]);
        Assert.All(pwm5, p => Assert.Equal(mr5 * count, p.High));
        Assert.Equal(9600, m.Clocks["PCLK"].FrequencyHz / (period / pclk));
    }

    /// <summary>
    /// lpc2106_rtc: the seconds interrupts come exactly (PREINT + 1)·32768 + PREFRAC PCLK cycles apart, with
    /// the prescaler values read back from the RTC the firmware programmed, and that is one second of PCLK;
    /// the calendar rolls over into 2027 and the alarm ends the run.
    /// </summary>
    [Fact]
    public void Rtc_SecondsFollowThePrescalerTheFirmwareProgrammed()
    {
        var ints = new List<long>();
        using var r = RunToExit("lpc2106_rtc", [], onCreate: m => m.InterruptOutput("rtc", "INT").Subscribe(l => { if (l) ints.Add(m.Scheduler.EventTime); }));
        var m = r.M;
        var pclk = m.Clocks["PCLK"];
        long second = ((Reg(m, "rtc", 0xE0024080) + 1) * 32768 + Reg(m, "rtc", 0xE0024084)) * pclk.PeriodTicks;
        Assert.Equal(pclk.FrequencyHz * pclk.PeriodTicks, second);
        Assert.Equal(3, ints.Count);
        for (int i = 1; i < ints.Count; i++) Assert.Equal(second, ints[i] - ints[i - 1]);
        Assert.Equal(3u, m.ReadWord("rtc_interrupts"));
    }

    /// <summary>
    /// lpc2106_i2c: the firmware writes a page to the board's 24C02 over I²C and reads it back; the
    /// EEPROM's contents after that run, given to the next run as the board file's <c>data</c>, are what
    /// the second run finds (count 1) and counts on from.
    /// </summary>
    [Fact]
    public void I2c_EepromWrittenInOneRunIsReadBackInTheNext()
    {
        string hex;
        using (var first = RunToExit("lpc2106_i2c", ["P0_2", "P0_3"]))
        {
            Assert.Contains("eeprom: blank", first.M.UartOutput("uart0"));
            Assert.True(first.Edges["P0_2"].Count > 200);     // SCL clocked on the pad
            hex = Convert.ToHexString(first.M.Device<I2cEeprom24Cxx>("eeprom").Contents);
            Assert.Equal("534F4353494D015A", hex.Substring(0x10 * 2, 16)); // "SOCSIM", 1, 0x5A at 0x10
        }
        string board = Path.Combine(Path.GetTempPath(), $"socsim-eeprom-{Guid.NewGuid():N}.json");
        File.WriteAllText(board, $$"""{ "peripherals": { "eeprom": { "parameters": { "data": "{{hex}}" } } } }""");
        try
        {
            using var second = RunToExit("lpc2106_i2c", [], [Repo.Board("lpc2106"), board], expected: "lpc2106_i2c.second");
            Assert.Equal("534F4353494D025A", Convert.ToHexString(second.M.Device<I2cEeprom24Cxx>("eeprom").Contents).Substring(0x10 * 2, 16));
        }
        finally { File.Delete(board); }
    }

    /// <summary>
    /// lpc2106_i2cslave on boards/overrides/lpc2106-i2cmaster.json (a scripted I²C master part on the bus):
    /// the firmware as slave receiver (own address 0x21: 60 80 A0), slave transmitter with AA = 0 on its last
    /// byte (A8 B8 C8), receiver clearing AA (88), general call (70 90 A0), then as a master losing
    /// arbitration to the part addressing it (08 68 80 A0, retried START 08 18 28) and losing in SLA (08 38,
    /// retried 08 20). The statuses and bytes the firmware saw are its UART0 text (expected/); the bytes the
    /// part sent and read, and the acknowledges, are the part's log; each contended START is one START on the
    /// pad, at the tick the part logs for its own.
    /// </summary>
    [Fact]
    public void I2cSlave_ReceiverTransmitterGeneralCallAndArbitrationAgainstAScriptedMaster()
    {
        var starts = new List<long>();
        using var r = RunToExit("lpc2106_i2cslave", [], [Repo.Board("lpc2106"), Repo.Override("lpc2106-i2cmaster")], onCreate: m =>
        {
            var scl = m.InterruptOutput("gpio", "P0_2");
            m.InterruptOutput("gpio", "P0_3").Subscribe(l => { if (!l && scl.Level) starts.Add(m.Scheduler.EventTime); });
        });
        var part = r.M.Device<I2cMasterPart>("i2cm");
        Assert.True(part.Finished);
        Assert.Equal(new[]
        {
            "START 21+W ACK 11 ACK 22 ACK 33 ACK STOP",
            "START 21+R ACK 03 ACK 11 ACK 22 ACK 33 ACK FF ACK FF NACK STOP",   // the count and the bytes back; 1s after AA = 0
            "START 21+W ACK 44 ACK 55 ACK 66 NACK STOP",
            "START 22+W NACK STOP",
            "START 00+W ACK 5A ACK STOP",
            "START 21+W ACK 99 ACK STOP",                                      // won against the firmware's SLA 0xA0
            "START 50+W ACK 00 ACK STOP",                                      // won against its SLA 0xA2
        }, part.Log.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
        long tps = r.M.Scheduler.TicksPerSecond;
        string Us(long tick) => ((decimal)tick * 1_000_000 / tps).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) + " us: ";
        // Every START the part made is on the pad at the tick it logs; the two contended ones are the
        // firmware's too (no second START follows: the next one is the firmware's retry after the STOP).
        Assert.Equal(9, starts.Count);   // 7 of the part's, 2 retries of the firmware's
        foreach (var line in part.Log) Assert.Contains(starts, t => line.StartsWith(Us(t), StringComparison.Ordinal));
    }

    /// <summary>
    /// lpc2106_spi on the board with the W25Q80DV (boards/overrides/lpc2106-spiflash.json): the JEDEC ID,
    /// a sector erase polled until BUSY clears, a page program, the read-back. SCK on P0.4 is S0SPCCR PCLKs
    /// a period (the firmware's S0SPCCR and the board's PCLK, read back); the erase's busy time is the data
    /// sheet's typical tSE, 45 ms from /CS rising, and the firmware's last poll ends within one poll of it.
    /// The flash's array, given to the next run as a binary <c>file</c>, is what that run finds.
    /// </summary>
    [Fact]
    public void Spi_FlashIdentifiedErasedProgrammedAndReadBackAtTheDataSheetsTimes()
    {
        string[] boards = [Repo.Board("lpc2106"), Repo.Override("lpc2106-spiflash")];
        var csRises = new List<(long Tick, long BusyUntil)>();
        string image = Path.Combine(Path.GetTempPath(), $"socsim-spiflash-{Guid.NewGuid():N}.bin");
        try
        {
            using (var r = RunToExit("lpc2106_spi", ["P0_4"], boards, onCreate: m => m.InterruptOutput("gpio", "P0_10").Subscribe(l =>
                   { if (l) csRises.Add((m.Scheduler.EventTime, m.Device<SpiFlashW25q>("spiflash").BusyUntil)); })))
            {
                var m = r.M;
                long pclk = m.Clocks["PCLK"].PeriodTicks;
                uint spccr = Reg(m, "spi", 0xE002000C);
                Assert.Equal(8u, spccr);
                // From the first transfer on (before it the pad went from GPIO to SCK at CPOL = 0): within each byte
                // SCK is high and low S0SPCCR / 2 PCLKs each; between bytes it rests low longer.
                var sck = r.Edges["P0_4"].SkipWhile(e => !e.Level).ToList();
                var gaps = sck.Zip(sck.Skip(1)).Select(p => p.Second.Tick - p.First.Tick).ToList();
                Assert.Equal(spccr / 2 * pclk, gaps.Min());
                Assert.True(gaps.Count(g => g == spccr / 2 * pclk) > 8 * 15 * 2);
                long second = m.Clocks["PCLK"].FrequencyHz * pclk;
                var erase = Assert.Single(csRises, c => c.BusyUntil - c.Tick == second * 45 / 1000);
                Assert.Single(csRises, c => c.BusyUntil - c.Tick == second * 7 / 10_000);
                var polls = csRises.Where(c => c.Tick > erase.Tick && c.Tick <= erase.BusyUntil + second / 1000).ToList();
                long pollPeriod = polls.Zip(polls.Skip(1)).Max(p => p.Second.Tick - p.First.Tick);
                var lastPoll = polls.First(c => c.Tick >= erase.BusyUntil);
                Assert.InRange(lastPoll.Tick - erase.BusyUntil, 0, pollPeriod);
                File.WriteAllBytes(image, m.Device<SpiFlashW25q>("spiflash").Contents.ToArray());
            }
            string board = Path.Combine(Path.GetTempPath(), $"socsim-spiflash-{Guid.NewGuid():N}.json");
            File.WriteAllText(board, $$"""{ "peripherals": { "spiflash": { "parameters": { "file": "{{Path.GetFileName(image)}}" } } } }""");
            try
            {
                using var second = RunToExit("lpc2106_spi", [], [.. boards, board], expected: "lpc2106_spi.second");
                Assert.Equal("534F4353494D02", Convert.ToHexString(second.M.Device<SpiFlashW25q>("spiflash").Contents.Slice(0x1000, 7)));
            }
            finally { File.Delete(board); }
        }
        finally { File.Delete(image); }
    }
}
