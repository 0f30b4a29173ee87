/* uart_echo: PL011 UART0 receive interrupts (RXIM and RTIM) through VIC
 * line 12 on vectored slot 0. The ISR drains the RX FIFO into a ring
 * buffer; main echoes each character back upper-cased and stops at '.'.
 *
 * Both receive interrupts are needed on a real PL011 (DDI0183 3.4.3): with
 * FIFOs enabled UARTRXINTR asserts only once the FIFO reaches the UARTIFLS
 * level (1/8 here, i.e. 2 characters), and a lone trailing character is
 * reported by the receive timeout (32 bit periods of line idle). */
#include "board.h"
#include "uart.h"
#include "vic.h"

#define TERMINATOR '.'
#define RING_SIZE  256u

static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head;    /* written by the ISR */
static uint32_t ring_tail;             /* read by main */
static volatile uint32_t rx_errors;   /* ring full, or OE/BE/PE/FE in UARTDR */

static void uart0_isr(void)
{
    /* Clear first, then drain: a character that arrives after the last
     * RXFE check then leaves a fresh interrupt pending. Clearing after the
     * drain could discard the edge QEMU's PL011 raises on the 0 -> 1 FIFO
     * transition, and no further RX interrupt would come (observed). */
    UARTICR(UART0_BASE) = UARTINT_RX | UARTINT_RT;
    while (!(UARTFR(UART0_BASE) & UARTFR_RXFE)) {
        uint32_t dr = UARTDR(UART0_BASE);   /* bits 11:8 are OE/BE/PE/FE */
        uint32_t next = (ring_head + 1) & (RING_SIZE - 1);
        if (next == ring_tail || (dr & 0xF00u))
            rx_errors++;
        if (next != ring_tail) {
            ring[ring_head] = (uint8_t)dr;
            ring_head = next;
        }
    }
}

static char upcase(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int main(void)
{
    uart_init(UART0_BASE, 115200);
    vic_init();
    UARTIFLS(UART0_BASE) = 0;               /* RXIFLSEL = 1/8 full */
    UARTIMSC(UART0_BASE) = UARTINT_RX | UARTINT_RT;
    vic_set_vector(0, IRQ_UART0, uart0_isr);
    puts0("uart_echo: type text, '.' ends\n");
    irq_enable();

    uint32_t count = 0;
    for (;;) {
        if (ring_tail == ring_head)
            continue;
        char c = (char)ring[ring_tail];
        ring_tail = (ring_tail + 1) & (RING_SIZE - 1);
        putc0(upcase(c));
        count++;
        if (c == TERMINATOR)
            break;
    }

    irq_disable();
    UARTIMSC(UART0_BASE) = 0;
    VICIntEnClear = 1u << IRQ_UART0;
    puts0("\nuart_echo done: ");
    put_dec(count);
    puts0(" characters, ");
    put_dec(rx_errors);
    puts0(" receive errors\n");
    uart_flush(UART0_BASE);
    return rx_errors ? 1 : 0;
}
