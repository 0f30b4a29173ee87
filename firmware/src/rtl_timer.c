/* rtl_timer: pulp-platform apb_timer as RTL (boards/overrides/rtl-timer.json) at
 * 0x10101000, clocked by TIMCLK (1 MHz), its compare interrupt latched by
 * boards/rtl/apb_timer_irq.sv and wired to VIC line 21 (vectored slot 0).
 * Timer 0 counts TIMCLK cycles from 0; when TIMER == CMP it pulses irq_o[1]
 * and restarts from 0, so CMP = 999 gives one interrupt every 1000 us. */
#include "board.h"
#include "uart.h"
#include "vic.h"

#define RTLTIMER_BASE   0x10101000u
#define RT_TIMER        REG32(RTLTIMER_BASE + 0x00)
#define RT_CTRL         REG32(RTLTIMER_BASE + 0x04)
#define RT_CMP          REG32(RTLTIMER_BASE + 0x08)
#define RT_PENDING      REG32(RTLTIMER_BASE + 0x100)
#define RT_CTRL_ENABLE  (1u << 0)
#define RT_CMP0         (1u << 1)
#define IRQ_RTLTIMER    21
#define TICKS           5
#define PERIOD_US       1000u

static volatile uint32_t ticks;
static volatile uint32_t last_timer;

static void rtltimer_isr(void)
{
    if (RT_PENDING & RT_CMP0) {
        RT_PENDING = RT_CMP0;               /* write 1 to clear the latch */
        last_timer = RT_TIMER;
        ticks++;
    }
}

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("rtl_timer: apb_timer RTL @0x10101000, VIC line 21, period 1000 us\n");

    vic_init();
    RT_CTRL = 0;
    RT_CMP = PERIOD_US * (TIMCLK_HZ / 1000000u) - 1;   /* also clears TIMER */
    RT_PENDING = 0xF;
    vic_set_vector(0, IRQ_RTLTIMER, rtltimer_isr);
    RT_CTRL = RT_CTRL_ENABLE;                          /* prescaler 0: count every cycle */
    irq_enable();

    uint32_t seen = 0;
    while (seen < TICKS) {
        uint32_t now = ticks;
        while (seen < now && seen < TICKS) {
            seen++;
            puts0("tick ");
            put_dec(seen);
            putc0('\n');
        }
    }

    RT_CTRL = 0;
    irq_disable();
    VICIntEnClear = 1u << IRQ_RTLTIMER;
    puts0("rtl_timer done: ");
    put_dec(TICKS);
    puts0(" ticks, CMP ");
    put_dec(RT_CMP);
    puts0("\n");
    uart_flush(UART0_BASE);
    return ticks >= TICKS ? 0 : 1;
}
