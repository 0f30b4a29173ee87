/* lpc2106_gpio: GPIO outputs read back through IOPIN, and an input pin
 * echoed on UART0 and on an output pin.
 *
 * Runs on the reset clocks: no PLL, CCLK = FOSC = 14.7456 MHz, VPBDIV = 0
 * (its reset value) so PCLK = CCLK / 4 = 3.6864 MHz, UART0 divisor 2.
 * 1. P0.7 is driven 1, 0, 1, 0 and read back from IOPIN each time.
 * 2. P0.5 (an input, driven by `socsim run --pin P0_5=...` or the Machine
 *    API) is read and printed, then watched for 10 ms (36864 PCLK cycles,
 *    Timer0 counting freely): each change is printed as "P0.5 -> N" and
 *    copied to P0.6, an output.
 * 3. "gpio done: N changes", exit 0 through semihosting. */
#include "lpc2106.h"
#include "lib.h"

#define PCLK_HZ     (FOSC_HZ / 4u)
#define WATCH_PCLK  (PCLK_HZ / 100u)        /* 10 ms */
#define P0_5        (1u << 5)
#define P0_6        (1u << 6)
#define P0_7        (1u << 7)

static void put_level(const char *name, uint32_t pin)
{
    puts0(name);
    putc0((IOPIN & pin) ? '1' : '0');
}

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uint32_t dl = uart0_init(PCLK_HZ, 115200u);
    puts0("lpc2106_gpio: VPBDIV=");
    put_dec(VPBDIV & 3u);
    puts0(" PCLK=");
    put_dec(PCLK_HZ);
    puts0(" Hz, UART0 divisor ");
    put_dec(dl);
    putc0('\n');

    /* UM10114 "GPIO": IODIR 1 = output; IOSET/IOCLR write 1 to drive a pin
     * high/low; IOPIN reads the level of every pin, outputs included. The
     * pins are GPIO after reset (PINSEL0 = 0 except P0.0/P0.1, UART0). */
    IOCLR = P0_6 | P0_7;
    IODIR = (IODIR | P0_6 | P0_7) & ~P0_5;

    puts0("P0.7 out:");
    for (int i = 0; i < 4; i++) {
        if (i & 1)
            IOCLR = P0_7;
        else
            IOSET = P0_7;
        put_level(" ", P0_7);
    }
    putc0('\n');

    uint32_t level = IOPIN & P0_5;
    put_level("P0.5 in: ", P0_5);
    putc0('\n');
    if (level)
        IOSET = P0_6;

    /* Watch P0.5 for 10 ms. Timer0 free-running from 0, no interrupts. */
    T0TCR = TTCR_RESET;
    T0PR = 0;
    T0MCR = 0;
    T0TCR = TTCR_ENABLE;
    uint32_t changes = 0;
    while (T0TC < WATCH_PCLK) {
        uint32_t now = IOPIN & P0_5;
        if (now == level)
            continue;
        level = now;
        if (level)
            IOSET = P0_6;
        else
            IOCLR = P0_6;
        changes++;
        puts0(level ? "P0.5 -> 1\n" : "P0.5 -> 0\n");
    }
    T0TCR = 0;

    puts0("gpio done: ");
    put_dec(changes);
    puts0(" changes\n");
    uart0_flush();
    return 0;
}
