/* rtl_gpio: pulp-platform apb_gpio as RTL (boards/rtl/gpio.json) at 0x10102000
 * on the CPU clock, pads 0-3 (outputs) looped to pads 4-7 (inputs) by the
 * board, its interrupt (held by boards/rtl/apb_gpio_irq.sv until INTSTATUS is
 * read) on VIC line 22. Writes patterns to pads 0-3, reads them back on pads
 * 4-7 (through the three-flop input synchroniser), and takes a rising-edge
 * interrupt on pad 4. Reports on UART0. */
#include "board.h"
#include "uart.h"
#include "vic.h"

#define GP_BASE      0x10102000u
#define GP_PADDIR    REG32(GP_BASE + 0x00)
#define GP_GPIOEN    REG32(GP_BASE + 0x04)
#define GP_PADIN     REG32(GP_BASE + 0x08)
#define GP_PADOUT    REG32(GP_BASE + 0x0C)
#define GP_INTEN     REG32(GP_BASE + 0x18)
#define GP_INTTYPE0  REG32(GP_BASE + 0x1C)   /* 2 bits per pad 0-15: 00 fall, 01 rise, 10 both */
#define GP_INTSTATUS REG32(GP_BASE + 0x24)   /* cleared when read */
#define IRQ_GPIO     22

static volatile uint32_t irqs, status;

static void gpio_isr(void)
{
    status = GP_INTSTATUS;
    irqs++;
}

static void put_hex1(uint32_t v) { putc0("0123456789abcdef"[v & 15]); }

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("rtl_gpio: apb_gpio RTL @0x10102000, VIC line 22, pads 0-3 looped to 4-7\n");

    GP_PADDIR = 0x0F;                   /* pads 0-3 drive */
    GP_GPIOEN = 0xF0;                   /* sample pads 4-7 (clock-gated per group of 4 otherwise) */
    int ok = 1;
    for (uint32_t v = 0; v < 16; v++) {
        GP_PADOUT = v;
        for (volatile int d = 0; d < 4; d++) { }
        uint32_t in = (GP_PADIN >> 4) & 0xF;
        if (in != v) ok = 0;
        put_hex1(in);
    }
    putc0('\n');

    GP_PADOUT = 0;
    vic_init();
    vic_set_vector(0, IRQ_GPIO, gpio_isr);
    GP_INTTYPE0 = 1u << (2 * 4);        /* pad 4: rising edge */
    GP_INTEN = 1u << 4;
    (void)GP_INTSTATUS;
    irq_enable();
    GP_PADOUT = 1;                      /* pad 0 -> pad 4 rises */
    while (irqs < 1) { }
    puts0("pad 4 rising-edge interrupt: INTSTATUS=0x");
    put_hex1(status >> 4);
    put_hex1(status);
    putc0('\n');
    irq_disable();
    puts0(ok ? "rtl_gpio done: pads ok\n" : "rtl_gpio done: pads MISMATCH\n");
    uart_flush(UART0_BASE);
    return ok ? 0 : 1;
}
