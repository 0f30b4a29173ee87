using SkiaSharp;
using SocSim.Trace.Vcd;
using SocSim.Waves;
using static SocSim.Waves.WaveformRenderer;

namespace SocSim.Trace.Tests;

/// <summary>
/// `socsim wave` labels: how a vector's values are written follows its VCD declaration (buses in hex,
/// narrow fields in decimal, the ARM mode by name, frequencies with their unit), and the time axis' last
/// label is drawn whole.
/// </summary>
public class WaveformLabelTests
{
    private const string Vcd = """
        $timescale 1us $end
        $scope module cpu $end
        $var wire 32 ! A [31:0] $end
        $var reg 5 " mode [4:0] $end
        $var wire 2 # MAS [1:0] $end
        $upscope $end
        $scope module scb $end
        $var wire 32 $ CCLK_Hz [31:0] $end
        $var wire 5 % TxFifoLevel [4:0] $end
        $var wire 9 & wide [8:0] $end
        $upscope $end
        $enddefinitions $end
        #0
        b00000000000000000000000000011000 !
        b10011 "
        b10 #
        b00000011100001000000000000000000 $
        b01010 %
        b000010000 &
        #1000
        b11111 "
        b00000000000000000000001111101000 $
        #3000
        b10010 "
        """;

    [Fact]
    public void EachVectorIsWrittenAsItsDeclarationSays()
    {
        var f = VcdReader.Parse(Vcd);
        string Show(string name, int at) => Label(Kind(f.Get(name)), f.Get(name).Changes[at].Value.PadLeft(f.Get(name).Width, '0'), f.Get(name).Width);
        Assert.Equal(ValueKind.Hex, Kind(f.Get("cpu.A")));
        Assert.Equal("00000018", Show("cpu.A", 0));
        Assert.Equal(ValueKind.ArmMode, Kind(f.Get("cpu.mode")));
        Assert.Equal(["svc", "sys", "irq"], f.Get("cpu.mode").Changes.Select((_, i) => Show("cpu.mode", i)));
        Assert.Equal("2", Show("cpu.MAS", 0));
        Assert.Equal(ValueKind.Frequency, Kind(f.Get("scb.CCLK_Hz")));
        Assert.Equal("58.9824 MHz", Show("scb.CCLK_Hz", 0));
        Assert.Equal("1 kHz", Show("scb.CCLK_Hz", 1));
        Assert.Equal("10", Show("scb.TxFifoLevel", 0));
        // Wider than a byte: a bus, in hex with every digit.
        Assert.Equal(ValueKind.Hex, Kind(f.Get("scb.wide")));
        Assert.Equal("010", Show("scb.wide", 0));
        Assert.Equal("7 Hz", Label(ValueKind.Frequency, "111", 32));
        Assert.Equal("14.7456 MHz", Label(ValueKind.Frequency, Convert.ToString(14_745_600, 2), 32));
        Assert.Equal("4.2 GHz", Label(ValueKind.Frequency, Convert.ToString(4_200_000_000, 2), 32));
        Assert.Equal("22", Label(ValueKind.ArmMode, "10110", 5));
    }

    /// <summary>
    /// The trace ends on a tick (3,000 us): ScottPlot centres that label on the data area's right edge. No ink
    /// may touch the picture's right border in the axis rows, and the frame leaves room for half the label.
    /// </summary>
    [Fact]
    public void TheLastTimeLabelIsNotClipped()
    {
        var f = VcdReader.Parse(Vcd);
        var png = Path.Combine(Tools.TempDir(), "w.png");
        foreach (int width in new[] { 600, 1600 })
        {
            WaveformRenderer.RenderPng(f, png, new WaveformOptions { Width = width });
            using var bmp = SKBitmap.Decode(png);
            Assert.Equal(width, bmp.Width);
            int rightmostInk = -1;
            for (int y = bmp.Height - 70; y < bmp.Height; y++)
                for (int x = bmp.Width - 1; x > rightmostInk; x--)
                {
                    var c = bmp.GetPixel(x, y);
                    if (c.Red < 200 || c.Green < 200 || c.Blue < 200) { rightmostInk = x; break; }
                }
            Assert.True(rightmostInk >= 0 && rightmostInk < width - 4, $"ink at column {rightmostInk} of {width}");
            // The last label ("3,000") is drawn at all: ink right of the frame's right edge, where only it can be.
            Assert.True(rightmostInk > width - RightMargin, $"rightmost ink at column {rightmostInk} of {width}: the last label is missing");
        }
    }
}
