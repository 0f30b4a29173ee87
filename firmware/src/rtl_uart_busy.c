/* rtl_uart_busy: the pulp-platform apb_uart_sv RTL (boards/rtl/uart.json) kept
 * busy, for bench/speed.sh's RTL row: 2000 characters sent back to back at
 * 115200 baud (about 8.7 M CPU cycles at 50 MHz), TXD looped to RXD, the CPU
 * polling LSR between characters and reading back what arrived. Reports the
 * count received on UART0 and exits with 0 when every character came back. */
#include "board.h"
#include "uart.h"

#define UX_BASE     0x10100000u
#define UX(n)       REG32(UX_BASE + 4u * (n))
#define UX_RBR      UX(0)   /* THR on write, DLL with LCR.DLAB */
#define UX_IER      UX(1)   /* DLM with LCR.DLAB */
#define UX_IIR      UX(2)   /* FCR on write */
#define UX_LCR      UX(3)
#define UX_LSR      UX(5)
#define LSR_DR      (1u << 0)
#define LSR_THRE    (1u << 5)
/* apb_uart_sv's bit time is (divisor + 1) CLK cycles (uart_tx.sv baud_cnt). */
#define DIVISOR     (50000000u / 115200u - 1u)
#define COUNT       2000u


int main(void)
{
    uart_init(UART0_BASE, 115200);
    UX_LCR = 0x83;                      /* DLAB, 8 data bits */
    UX_RBR = DIVISOR & 0xFF;            /* DLL */
    UX_IER = DIVISOR >> 8;              /* DLM */
    UX_LCR = 0x03;
    UX_IIR = 0x06;                      /* FCR: clear both FIFOs */
    UX_IER = 0;

    uint32_t sent = 0, received = 0, bad = 0;
    while (received < COUNT) {
        uint32_t lsr = UX_LSR;
        if (sent < COUNT && (lsr & LSR_THRE)) { UX_RBR = (uint8_t)('A' + sent % 26u); sent++; }
        if (lsr & LSR_DR) {
            uint32_t c = UX_RBR & 0xFF;
            if (c != (uint8_t)('A' + received % 26u)) bad++;
            received++;
        }
    }
    puts0("rtl_uart_busy: received ");
    put_dec(received);
    puts0(bad ? " with errors\n" : " ok\n");
    uart_flush(UART0_BASE);
    return bad ? 1 : 0;
}
