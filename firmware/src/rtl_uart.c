/* rtl_uart: pulp-platform apb_uart_sv as RTL (boards/rtl/uart.json) at
 * 0x10100000 on the CPU clock (50 MHz), registers at word addresses
 * (addressShift 2), its TXD looped to its RXD, its interrupt on VIC line 20.
 * Sends a line through the RTL UART and reads it back (polled), then takes the
 * transmitter-empty interrupt (IER.ETBEI). Two behaviours of this RTL that a
 * 16550 does not have are shown: clearing an interrupt leaves IIR = 0xC0
 * (bit 0 low: "pending") so event_o stays high until reset, and the "received
 * data available" enable (IER.ERBFI) sets IIR's RDA code while nothing was
 * received (uart_interrupt's RDA_i input is wired to LSR.THRE). Everything is
 * reported on UART0. */
#include "board.h"
#include "uart.h"
#include "vic.h"

#define UX_BASE     0x10100000u
#define UX(n)       REG32(UX_BASE + 4u * (n))
#define UX_RBR      UX(0)   /* THR on write, DLL with LCR.DLAB */
#define UX_IER      UX(1)   /* DLM with LCR.DLAB */
#define UX_IIR      UX(2)   /* FCR on write */
#define UX_LCR      UX(3)
#define UX_LSR      UX(5)
#define LSR_DR      (1u << 0)
#define LSR_THRE    (1u << 5)
#define LSR_TEMT    (1u << 6)
#define IER_ERBFI   (1u << 0)
#define IER_ETBEI   (1u << 1)
#define IRQ_UARTX   20
/* apb_uart_sv's bit time is (divisor + 1) CLK cycles (uart_tx.sv baud_cnt). */
#define DIVISOR     (50000000u / 115200u - 1u)

static volatile uint32_t irqs, irq_iir, irq_lsr;

static void uartx_isr(void)
{
    irq_iir = UX_IIR & 0xFF;
    UX_IER = 0;              /* first: an enabled condition sets IIR again on the next cycle */
    irq_lsr = UX_LSR & 0xFF; /* reading LSR clears IIR[3:2] */
    VICIntEnClear = 1u << IRQ_UARTX;  /* event_o stays high after the clear (see above) */
    irqs++;
}

static void put_hex2(uint32_t v)
{
    static const char h[] = "0123456789abcdef";
    putc0(h[(v >> 4) & 15]);
    putc0(h[v & 15]);
}

int main(void)
{
    static const char msg[] = "Hello from RTL!\n";
    char back[sizeof msg];

    uart_init(UART0_BASE, 115200);
    puts0("rtl_uart: apb_uart_sv RTL @0x10100000, VIC line 20, TXD looped to RXD\n");

    UX_LCR = 0x83;                      /* DLAB, 8 data bits */
    UX_RBR = DIVISOR & 0xFF;            /* DLL */
    UX_IER = DIVISOR >> 8;              /* DLM */
    UX_LCR = 0x03;
    UX_IIR = 0x06;                      /* FCR: clear both FIFOs */
    UX_IER = 0;

    unsigned n = 0;
    for (unsigned i = 0; msg[i]; i++) {
        while (!(UX_LSR & LSR_THRE)) { }
        UX_RBR = (uint8_t)msg[i];
        while (!(UX_LSR & LSR_DR)) { }  /* the character comes back one frame later */
        back[n++] = (char)UX_RBR;
    }
    back[n] = 0;
    puts0("received: ");
    puts0(back);

    vic_init();
    vic_set_vector(0, IRQ_UARTX, uartx_isr);
    irq_enable();

    /* Transmitter-empty interrupt: queue two characters, enable ETBEI. */
    UX_RBR = '*';
    UX_RBR = '*';
    UX_IER = IER_ETBEI;
    while (irqs < 1) { }
    puts0("ETBEI interrupt: IIR=0x");
    put_hex2(irq_iir);
    puts0(" LSR=0x");
    put_hex2(irq_lsr);
    putc0('\n');
    while (!(UX_LSR & LSR_DR)) { }
    (void)UX_RBR;
    while (!(UX_LSR & LSR_DR)) { }
    (void)UX_RBR;

    uint32_t iir = UX_IIR & 0xFF;
    puts0("after the clear: IIR=0x");
    put_hex2(iir);
    puts0(VICRawIntr & (1u << IRQ_UARTX) ? " event_o high\n" : " event_o low\n");

    /* ERBFI with nothing received: the RDA code appears in IIR anyway. */
    UX_IER = IER_ERBFI;
    for (volatile int d = 0; d < 100; d++) { }
    iir = UX_IIR & 0xFF;
    uint32_t lsr = UX_LSR & 0xFF;
    UX_IER = 0;
    puts0("ERBFI, nothing received: IIR=0x");
    put_hex2(iir);
    puts0(" LSR=0x");
    put_hex2(lsr);
    putc0('\n');
    irq_disable();

    int ok = n == sizeof msg - 1;
    for (unsigned i = 0; ok && i < n; i++) ok = back[i] == msg[i];
    puts0(ok ? "rtl_uart done: loopback ok\n" : "rtl_uart done: loopback MISMATCH\n");
    uart_flush(UART0_BASE);
    return ok ? 0 : 1;
}
