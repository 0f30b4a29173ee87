/* lpc2106_rtc: the real-time clock (UM10275 chapter 16) from PCLK through
 * its prescaler, the seconds interrupt and an alarm, over a year's end.
 *
 * Reset clocks: PCLK = FOSC / 4 = 3686400 Hz. §16.7.1-7.2:
 * PREINT = int(PCLK / 32768) - 1 = 111, PREFRAC = PCLK - 112 * 32768 =
 * 16384: a second is exactly 3686400 PCLKs. The clock starts at
 * 2026-12-31 23:59:58 (Thursday, DOW 4, DOY 365); CIIR.IMSEC interrupts each
 * second (VIC channel 13), the alarm matches 00:00:01 (AMR compares SEC,
 * MIN and HOUR). Main idles (PCON.IDL) between interrupts and prints the
 * time each one brought; at the alarm it exits 0. */
#include "periph.h"
#include "lib.h"

#define PCLK_HZ   (FOSC_HZ / 4u)

struct stamp { uint32_t ilr, ctime0, ctime1, ctime2; };
static volatile struct stamp last;
static volatile uint32_t pending;
volatile uint32_t rtc_interrupts;

static void __attribute__((interrupt("IRQ"))) rtc_isr(void)
{
    uint32_t ilr = RTC_ILR;
    last.ilr = ilr;
    last.ctime0 = RTC_CTIME0;
    last.ctime1 = RTC_CTIME1;
    last.ctime2 = RTC_CTIME2;
    pending = 1;
    rtc_interrupts++;
    RTC_ILR = ilr;                          /* write 1 to clear (Table 172) */
    VICVectAddr = 0;
}

static void put2(uint32_t v)
{
    putc0((char)('0' + v / 10u));
    putc0((char)('0' + v % 10u));
}

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uart0_init(PCLK_HZ, 115200u);
    uint32_t preint = PCLK_HZ / 32768u - 1u;
    uint32_t prefrac = PCLK_HZ - (preint + 1u) * 32768u;
    puts0("lpc2106_rtc: PCLK=");
    put_dec(PCLK_HZ);
    puts0(" PREINT=");
    put_dec(preint);
    puts0(" PREFRAC=");
    put_dec(prefrac);
    putc0('\n');

    RTC_CCR = RTC_CCR_CTCRST;               /* stopped, divider held at 0 */
    RTC_PREINT = preint;
    RTC_PREFRAC = prefrac;
    RTC_YEAR = 2026u; RTC_MONTH = 12u; RTC_DOM = 31u; RTC_DOW = 4u; RTC_DOY = 365u;
    RTC_HOUR = 23u; RTC_MIN = 59u; RTC_SEC = 58u;
    RTC_ALHOUR = 0u; RTC_ALMIN = 0u; RTC_ALSEC = 1u;
    RTC_AMR = 0xF8u;                        /* compare SEC, MIN, HOUR */
    RTC_CIIR = RTC_CIIR_IMSEC;
    RTC_ILR = RTC_ILR_CIF | RTC_ILR_ALF;

    VICIntSelect &= ~(1u << VIC_RTC);
    VICDefVectAddr = (uint32_t)lpc_default_isr;
    VICVectAddrN(0) = (uint32_t)rtc_isr;
    VICVectCntlN(0) = VICVectCntl_ENABLE | VIC_RTC;
    VICIntEnable = 1u << VIC_RTC;
    irq_enable();
    RTC_CCR = RTC_CCR_CLKEN;

    for (;;) {
        irq_disable();
        if (!pending) {
            /* PCON.IDL stops the core until an interrupt request; with I
             * set the request wakes it and the IRQ is taken after the
             * enable below. */
            PCON = PCON_IDL;
            irq_enable();
            continue;
        }
        struct stamp s = { last.ilr, last.ctime0, last.ctime1, last.ctime2 };
        pending = 0;
        irq_enable();
        put_dec((s.ctime1 >> 16) & 0xFFFu);
        putc0('-');
        put2((s.ctime1 >> 8) & 0xFu);
        putc0('-');
        put2(s.ctime1 & 0x1Fu);
        putc0(' ');
        put2((s.ctime0 >> 16) & 0x1Fu);
        putc0(':');
        put2((s.ctime0 >> 8) & 0x3Fu);
        putc0(':');
        put2(s.ctime0 & 0x3Fu);
        puts0(" dow ");
        put_dec((s.ctime0 >> 24) & 7u);
        puts0(" doy ");
        put_dec(s.ctime2 & 0xFFFu);
        puts0((s.ilr & RTC_ILR_ALF) ? " alarm\n" : "\n");
        if (s.ilr & RTC_ILR_ALF)
            break;
    }
    RTC_CCR = 0;
    VICIntEnClear = 1u << VIC_RTC;
    puts0("rtc done: ");
    put_dec(rtc_interrupts);
    puts0(" interrupts\n");
    uart0_flush();
    return 0;
}
