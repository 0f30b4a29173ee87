/* hello: polled PL011 output on UART0, then semihosting exit 0. */
#include "board.h"
#include "uart.h"

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("Hello from SocSim on Versatile/PB\n");
    uart_flush(UART0_BASE);
    return 0;
}
