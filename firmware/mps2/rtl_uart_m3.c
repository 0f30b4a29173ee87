/* rtl_uart_m3: pulp-platform apb_uart_sv as RTL on MPS2 AN385 (boards/rtl/mps2-uart.json) at 0x4000C000 on
 * SYSCLK (25 MHz) behind the APB bridge, registers at word addresses, TXD looped to RXD, its interrupt on NVIC
 * line 32. Queues a line in the RTL UART's transmit FIFO with the receive interrupt (IER.ERBFI) enabled: the
 * RTL raises event_o when the first character is back in its receive FIFO (trigger level 1) while the rest is
 * still queued (this RTL also raises it whenever the transmit FIFO is empty: uart_interrupt's RDA_i is wired
 * to LSR.THRE, so the line must be queued first). The handler reads IIR, LSR and the character, disables
 * ERBFI and the NVIC line (event_o stays high after a clear in this RTL until reset); the rest of the line is
 * read polled. Everything is reported on the console, the CMSDK UART0. Exit through semihosting. */
#include <stdint.h>

#define REG32(a)      (*(volatile uint32_t *)(a))

/* CMSDK APB UART0, the console (DDI 0479C 4.3). */
#define U0_BASE       0x40004000u
#define U0_DATA       REG32(U0_BASE + 0x00)
#define U0_STATE      REG32(U0_BASE + 0x04)   /* bit 0 TXFULL */
#define U0_CTRL       REG32(U0_BASE + 0x08)   /* bit 0 TXEN */
#define U0_BAUDDIV    REG32(U0_BASE + 0x10)

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
#define NVIC_ISER(n)  REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n)  REG32(0xE000E180u + 4u * (n))

static volatile uint32_t irqs, irq_iir, irq_lsr, irq_char;

static void putc0(char c)
{
    while (U0_STATE & 1u) { }
    U0_DATA = (uint8_t)c;
}

static void puts0(const char *s)
{
    while (*s) putc0(*s++);
}

/* The CMSDK UART has no transmit-complete flag: after TXFULL clears, the last character still takes a frame
 * (10 bits of BAUDDIV = 16 cycles) to leave the shift register; DWT CYCCNT times it. */
#define DEMCR         REG32(0xE000EDFCu)
#define DWT_CTRL      REG32(0xE0001000u)
#define DWT_CYCCNT    REG32(0xE0001004u)

static void flush0(void)
{
    while (U0_STATE & 1u) { }
    DEMCR |= 1u << 24;                   /* TRCENA */
    DWT_CTRL |= 1u;                      /* CYCCNTENA */
    uint32_t t0 = DWT_CYCCNT;
    while (DWT_CYCCNT - t0 < 10u * 16u) { }
}

static void put_hex2(uint32_t v)
{
    putc0("0123456789abcdef"[(v >> 4) & 15]);
    putc0("0123456789abcdef"[v & 15]);
}

static void uartx_isr(void)
{
    irq_iir = UX_IIR & 0xFF;
    UX_IER = 0;                          /* first: an enabled condition sets IIR again on the next cycle */
    irq_lsr = UX_LSR & 0xFF;
    irq_char = UX_RBR & 0xFF;
    NVIC_ICER(IRQ_UARTX / 32) = 1u << (IRQ_UARTX % 32);
    irqs++;
}

static void __attribute__((noreturn)) semihost_exit(uint32_t reason)
{
    register uint32_t r0 __asm__("r0") = 0x18;   /* SYS_EXIT (angel_SWIreason_ReportException) */
    register uint32_t r1 __asm__("r1") = reason;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) { }
}

static void fault_handler(void)
{
    semihost_exit(0x20023);              /* ADP_Stopped_RunTimeErrorUnknown */
}

int main(void)
{
    static const char msg[] = "Hello from M3!\n";   /* 15 characters: the 16-deep transmit FIFO holds them */
    char back[sizeof msg];

    U0_BAUDDIV = 16;
    U0_CTRL = 1;
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
    flush0();
    return ok ? 0 : 1;
}

extern uint32_t __bss_start[], __bss_end[], __stack_top[];

void __attribute__((noreturn)) reset_handler(void)
{
    for (uint32_t *p = __bss_start; p < __bss_end; p++) *p = 0;
    semihost_exit(main() == 0 ? 0x20026u : 0x20023u);   /* ADP_Stopped_ApplicationExit or an error */
}

/* ARMv7-M B1.5.3: SP, then the exceptions 1-15, then external interrupts 0-32 (exception 16 + n). */
__attribute__((section(".vectors"), used))
static void (*const vectors[16 + IRQ_UARTX + 1])(void) = {
    [0] = (void (*)(void))__stack_top,
    [1] = reset_handler,
    [2 ... 15] = fault_handler,
    [16 ... 16 + IRQ_UARTX - 1] = fault_handler,
    [16 + IRQ_UARTX] = uartx_isr,
};
