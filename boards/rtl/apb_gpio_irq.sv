// SocSim glue for pulp-platform apb_gpio on a level-sensitive interrupt controller (PL190 VIC).
// apb_gpio's `interrupt` is high for one HCLK cycle per detected pad edge (its INTSTATUS register
// latches the cause, cleared when read); this wrapper holds irq high from that cycle until the
// firmware reads INTSTATUS (0x24), and is otherwise apb_gpio with 32 pads (dft_cg_enable_i tied low).
module apb_gpio_irq (
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
    input  logic [31:0] gpio_in,
    output logic [31:0] gpio_out,
    output logic [31:0] gpio_dir,
    output logic        irq
);
    logic pulse;

    apb_gpio #(.APB_ADDR_WIDTH(12), .PAD_NUM(32)) gpio_i (
        .HCLK            (HCLK),
        .HRESETn         (HRESETn),
        .dft_cg_enable_i (1'b0),
        .PADDR           (PADDR),
        .PWDATA          (PWDATA),
        .PWRITE          (PWRITE),
        .PSEL            (PSEL),
        .PENABLE         (PENABLE),
        .PRDATA          (PRDATA),
        .PREADY          (PREADY),
        .PSLVERR         (PSLVERR),
        .gpio_in         (gpio_in),
        .gpio_in_sync    (),
        .gpio_out        (gpio_out),
        .gpio_dir        (gpio_dir),
        .gpio_padcfg     (),
        .interrupt       (pulse)
    );

    always_ff @(posedge HCLK, negedge HRESETn)
        if (!HRESETn) irq <= 1'b0;
        else if (pulse) irq <= 1'b1;
        else if (PSEL && PENABLE && !PWRITE && PADDR[6:2] == 5'b01001) irq <= 1'b0;
endmodule
