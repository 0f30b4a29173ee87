/* rtl_uart_m3: pulp-platform apb_uart_sv as RTL on MPS2 AN385 (boards/rtl/mps2-uart.json) at 0x4000C000 on
 * SYSCLK (25 MHz) behind the APB bridge, registers at word addresses, TXD looped to RXD, its interrupt on NVIC
 * line 32. Queues a line in the RTL UART's transmit FIFO with the receive interrupt (IER.ERBFI) enabled: the
 * RTL raises event_o when the first character is back in its receive FIFO (trigger level 1) while the rest is
 * still queued (this RTL also raises it whenever the transmit FIFO is empty: uart_interrupt's RDA_i is wired
 * to LSR.THRE, so the line must be queued first). The handler reads IIR, LSR and the character, disables
 * ERBFI and the NVIC line (event_o stays high after a clear in this RTL until reset); the rest of the line is
 * read polled. Everything is reported on the console, the CMSDK UART0. Exit through semihosting. */
#include "mps2.h"

/* apb_uart_sv, a 16550-style register set, one register a word. */
#define UX_BASE       0x4000C000u
#define UX(n)         REG32(UX_BASE + 4u * (n))
#define UX_RBR        UX(0)   /* THR on write, DLL with LCR.DLAB */
#define UX_IER        UX(1)   /* DLM with LCR.DLAB */
#define UX_IIR        UX(2)   /* FCR on write */
#define UX_LCR        UX(3)
#define UX_LSR        UX(5)
#define LSR_DR        (1u << 0)
#define LSR_TEMT      (1u << 6)
#define IER_ERBFI     (1u << 0)
/* apb_uart_sv's bit time is (divisor + 1) CLK cycles (uart_tx.sv baud_cnt): 217 cycles, 115207 baud. */
#define DIVISOR       (25000000u / 115200u - 1u)

#define IRQ_UARTX     32

static volatile uint32_t irqs, irq_iir, irq_lsr, irq_char;

static void uartx_isr(void)
{
    irq_iir = UX_IIR & 0xFF;
    UX_IER = 0;                          /* first: an enabled condition sets IIR again on the next cycle */
    irq_lsr = UX_LSR & 0xFF;
    irq_char = UX_RBR & 0xFF;
    NVIC_ICER(IRQ_UARTX / 32) = 1u << (IRQ_UARTX % 32);
    irqs++;
}

int main(void)
{
    static const char msg[] = "Hello from M3!\n";   /* 15 characters: the 16-deep transmit FIFO holds them */
    char back[sizeof msg];

    puts0("rtl_uart_m3: apb_uart_sv RTL @0x4000C000, NVIC line 32, TXD looped to RXD\n");

    UX_LCR = 0x83;                       /* DLAB, 8 data bits */
    UX_RBR = DIVISOR & 0xFF;             /* DLL */
    UX_IER = DIVISOR >> 8;               /* DLM */
    UX_LCR = 0x03;
    UX_IIR = 0x06;                       /* FCR: clear both FIFOs, trigger level 1 */
    UX_IER = 0;

    for (unsigned i = 0; msg[i]; i++) UX_RBR = (uint8_t)msg[i];
    NVIC_ISER(IRQ_UARTX / 32) = 1u << (IRQ_UARTX % 32);
    UX_IER = IER_ERBFI;
    while (irqs == 0) { }

    unsigned n = 0;
    back[n++] = (char)irq_char;
    while (n < sizeof msg - 1) {
        while (!(UX_LSR & LSR_DR)) { }
        back[n++] = (char)UX_RBR;
    }
    back[n] = 0;
    puts0("receive interrupt: IIR=0x");
    put_hex2(irq_iir);
    puts0(" LSR=0x");
    put_hex2(irq_lsr);
    puts0(" first='");
    putc0((char)irq_char);
    puts0("'\nreceived: ");
    puts0(back);

    int ok = irqs == 1;
    for (unsigned i = 0; ok && i < n; i++) ok = back[i] == msg[i];
    puts0(ok ? "rtl_uart_m3 done: loopback ok\n" : "rtl_uart_m3 done: loopback MISMATCH\n");
    return ok ? 0 : 1;
}

MPS2_VECTORS(IRQ_UARTX, [16 + IRQ_UARTX] = uartx_isr);
