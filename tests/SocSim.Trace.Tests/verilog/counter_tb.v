// A small design for the VCD reader tests: an 8-bit counter in a sub-module, a 1-bit carry,
// dumped by Icarus Verilog and by Verilator.
`timescale 1ns/1ps
module counter(input clk, input rst, output reg [7:0] count, output carry);
  assign carry = &count;
  always @(posedge clk) count <= rst ? 8'd0 : count + 8'd1;
endmodule

module counter_tb;
  reg clk = 0;
  reg rst = 1;
  wire [7:0] count;
  wire carry;
  counter dut(.clk(clk), .rst(rst), .count(count), .carry(carry));
  always #5 clk = ~clk;           // 100 MHz
  initial begin
    $dumpfile(`VCD);
    $dumpvars(0, counter_tb);
    #12 rst = 0;
    #3000 $finish;                // 300 clocks: the counter wraps once
  end
endmodule
