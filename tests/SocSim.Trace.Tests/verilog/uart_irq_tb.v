// The RTL side of the vcd-diff test: the same UART frames and the same timer interrupt pulse as the
// timer_irq firmware on boards/versatilepb.json, modelled as a hardware team would write a directed
// testbench, in femtoseconds so that the 600 MHz scheduler ticks land where socsim puts them.
//
// Time base: 600 MHz ticks (lcm of CPUCLK 50 MHz, UARTCLK 24 MHz, TIMCLK 1 MHz). One tick is
// 1e7/6 fs; socsim writes round(tick * 1e7 / 6) fs, and so does fs() below.
// PL011 (DDI 0183G 2.4.3): 115200 baud from UARTCLK 24 MHz is IBRD = 13, FBRD = 1, i.e. a divisor of
// 64*13+1 = 833/64 Baud16 periods. The Baud16 generator runs freely, so over back-to-back frames its
// position is kept in quarter UARTCLK cycles: bit b of frame k starts floor((k*10*833 + b*833)/4)
// UARTCLK cycles after the first start bit. 8N1 (UARTLCR_H WLEN = 3): start 0, data LSB first,
// stop 1. The transmit FIFO stays full while the firmware prints its banner, so frames follow each
// other back to back.
// SP804 (DDI 0271): TIMINTC rises on the TIMCLK edge where the counter reaches zero and falls when
// the ISR writes TimerXIntClr; define PLANT to move the fall one CPU cycle (12 ticks) later.
`timescale 1fs/1fs
module uart_irq_tb;
  parameter [63:0] FRAME_START = 0;   // tick of the first start bit (from the firmware run)
  parameter [63:0] IRQ_RISE = 0;      // ticks of the first TIMINTC pulse
  parameter [63:0] IRQ_FALL = 0;
  parameter [63:0] END_TICK = 0;
  parameter integer UARTCLK_TICKS = 25;
  parameter integer CPU_TICKS = 12;
  parameter integer DIV64 = 64 * 13 + 1;
  localparam integer LEN = 56;
  localparam [8*LEN-1:0] MESSAGE = "timer_irq: SP804 @0x101E2000, VIC line 4, period 1000 us";

  reg txd = 1'b1;
  reg timint = 1'b0;

  function [63:0] fs(input [63:0] tick);
    fs = (tick * 64'd20000000 + 64'd6) / 64'd12;   // round(tick * 1e7 / 6)
  endfunction

  task wait_tick(input [63:0] tick);
    begin
      if (fs(tick) > $time) #(fs(tick) - $time);
    end
  endtask

  integer c, b;
  reg [63:0] q;       // generator position at the frame's start bit, in quarter UARTCLK cycles
  reg [7:0] ch;
  initial begin : uart
    q = 0;
    for (c = 0; c <= LEN; c = c + 1) begin
      ch = (c == LEN) ? 8'h0A : MESSAGE[8*(LEN-1-c) +: 8];
      for (b = 0; b < 10; b = b + 1) begin
        wait_tick(FRAME_START + UARTCLK_TICKS * ((q + b * DIV64) / 4));
        txd = (b == 0) ? 1'b0 : (b <= 8) ? ch[b-1] : 1'b1;
      end
      q = q + 10 * DIV64;
    end
  end

  initial begin : irq
    $dumpfile(`VCD);
    $dumpvars(0, uart_irq_tb);
    wait_tick(IRQ_RISE);
    timint = 1'b1;
`ifdef PLANT
    wait_tick(IRQ_FALL + CPU_TICKS);
`else
    wait_tick(IRQ_FALL);
`endif
    timint = 1'b0;
    wait_tick(END_TICK);
    $finish;
  end
endmodule
