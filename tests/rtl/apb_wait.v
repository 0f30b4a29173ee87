// SocSim's APB3 test block: wait states, PSLVERR, a PREADY that never rises and an interrupt register.
//   0x00 DATA   read/write, answered at once
//   0x04 WAITS  read/write, the PREADY-low cycles of a SLOW read (8 bits)
//   0x08 SLOW   read: DATA after WAITS cycles with PREADY low
//   0x0C ERR    any access: PSLVERR
//   0x10 HANG   any access: PREADY never high
//   0x14 IRQ    read/write: bit 0 drives irq (from the edge that ends the write)
//   0x18 TICKS  read: PCLK cycles since reset
module apb_wait (
    input  wire        PCLK,
    input  wire        PRESETn,
    input  wire [11:0] PADDR,
    input  wire        PSEL,
    input  wire        PENABLE,
    input  wire        PWRITE,
    input  wire [31:0] PWDATA,
    output reg  [31:0] PRDATA,
    output wire        PREADY,
    output wire        PSLVERR,
    output wire        irq
);
    reg [31:0] data, ticks;
    reg [7:0]  waits, count;
    reg        irq_q;
    wire       access = PSEL & PENABLE;
    wire [3:0] idx = PADDR[5:2];

    assign PREADY  = !(access && ((idx == 4'd2 && count != waits) || idx == 4'd4));
    assign PSLVERR = access && idx == 4'd3;
    assign irq     = irq_q;

    always @(posedge PCLK or negedge PRESETn)
        if (!PRESETn) begin
            data <= 32'd0; waits <= 8'd0; count <= 8'd0; irq_q <= 1'b0; ticks <= 32'd0;
        end else begin
            ticks <= ticks + 32'd1;
            if (access && idx == 4'd2 && count != waits) count <= count + 8'd1;
            else count <= 8'd0;
            if (access && PWRITE && PREADY)
                case (idx)
                    4'd0: data  <= PWDATA;
                    4'd1: waits <= PWDATA[7:0];
                    4'd5: irq_q <= PWDATA[0];
                    default: ;
                endcase
        end

    always @*
        case (idx)
            4'd0, 4'd2: PRDATA = data;
            4'd1:       PRDATA = {24'd0, waits};
            4'd5:       PRDATA = {31'd0, irq_q};
            4'd6:       PRDATA = ticks;
            default:    PRDATA = 32'hDEADBEEF;
        endcase
endmodule
