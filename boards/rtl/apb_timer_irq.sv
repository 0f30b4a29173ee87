// SocSim glue for pulp-platform apb_timer on a level-sensitive interrupt controller (PL190 VIC).
// apb_timer's irq_o[k] is high for one HCLK cycle (TIMER == CMP, or TIMER == 0xFFFFFFFF), as PULP's
// event unit expects; a level-sensitive VIC input would miss most such pulses. This wrapper latches
// every pulse until the firmware clears it, and is otherwise apb_timer unchanged:
//   0x000-0x01C  apb_timer: timer 0 at 0x00 (TIMER, CTRL, CMP), timer 1 at 0x10
//   0x100        IRQ_PENDING: bit 2k = overflow of timer k, bit 2k+1 = compare of timer k; write 1s to clear
// irq = OR of the pending bits.
module apb_timer_irq (
    input  logic        HCLK,
    input  logic        HRESETn,
    input  logic [11:0] PADDR,
    input  logic [31:0] PWDATA,
    input  logic        PWRITE,
    input  logic        PSEL,
    input  logic        PENABLE,
    output logic [31:0] PRDATA,
    output logic        PREADY,
    output logic        PSLVERR,
    output logic        irq
);
    logic        sel_pending;
    logic [31:0] t_prdata;
    logic        t_pready, t_pslverr;
    logic [3:0]  t_irq, pending;

    assign sel_pending = PADDR[8];

    apb_timer #(.APB_ADDR_WIDTH(12), .TIMER_CNT(2)) timer_i (
        .HCLK    (HCLK),
        .HRESETn (HRESETn),
        .PADDR   (PADDR),
        .PWDATA  (PWDATA),
        .PWRITE  (PWRITE),
        .PSEL    (PSEL & ~sel_pending),
        .PENABLE (PENABLE),
        .PRDATA  (t_prdata),
        .PREADY  (t_pready),
        .PSLVERR (t_pslverr),
        .irq_o   (t_irq)
    );

    always_ff @(posedge HCLK, negedge HRESETn)
        if (!HRESETn) pending <= 4'b0;
        else pending <= (pending | t_irq) & ~((PSEL && PENABLE && PWRITE && sel_pending) ? PWDATA[3:0] : 4'b0);

    assign PRDATA  = sel_pending ? {28'b0, pending} : t_prdata;
    assign PREADY  = sel_pending ? 1'b1 : t_pready;
    assign PSLVERR = sel_pending ? 1'b0 : t_pslverr;
    assign irq     = |pending;
endmodule
