/* lpc2106_demo: the bundled LPC2106 demo (`socsim run --board
 * boards/lpc2106.json` with no ELF).
 *
 * 1. PLL to CCLK = 4 x 14.7456 MHz = 58.9824 MHz, MAM fully on, PCLK = CCLK.
 * 2. UART0 at 115200 8N1: a report of the clock registers read back, and
 *    "hello from LPC2106".
 * 3. Timer0 MR0 every 58982 PCLK cycles (1 ms less 6.8 ns: 58982.4 is not
 *    an integer), interrupt and reset on match, through VIC vectored slot 0
 *    (Timer0 is channel 4). The ISR toggles P0.7; the match itself toggles
 *    MAT0.0 on P0.3 (EMR). After 10 ticks the ISR stops the timer.
 * 4. Main prints "tick N" for each tick, a done line, and exits with 0
 *    through semihosting (see README.md for silicon).
 * The text depends on no timing, only on the register values. */
#include "lpc2106.h"
#include "lib.h"

#define CCLK_HZ     (4u * FOSC_HZ)          /* M = 4 */
#define PCLK_HZ     CCLK_HZ                 /* VPBDIV = 1 */
#define BAUD        115200u
#define TICKS       10u
#define TICK_PCLK   (PCLK_HZ / 1000u)       /* 58982 PCLK cycles per tick */
#define P0_7        (1u << 7)

/* Left in SRAM for a debugger or a test (`--until`, GDB): how many times
 * PLLSTAT was read before PLOCK was set. */
volatile uint32_t pll_lock_polls;
static volatile uint32_t ticks;

/* UM10114 SCB, "PLL": CCLK = M x FOSC; the CCO runs at FCCO = CCLK x 2 x P
 * and must stay within 156-320 MHz. M = 4 gives 58.9824 MHz (the chip's
 * limit is 60 MHz); P = 2 puts the CCO at 235.9296 MHz (P = 1 would give
 * 117.9648 MHz, below the range). PLLCON and PLLCFG take effect only after
 * the feed, 0xAA then 0x55 written to PLLFEED on consecutive VPB cycles,
 * with interrupts off (they are: IRQ/FIQ are masked until the timer setup).
 * The sequence is the manual's: configure and enable, feed, wait for
 * PLLSTAT.PLOCK, then connect and feed again. */
static void pll_start(void)
{
    PLLCFG = PLLCFG_MSEL(4) | PLLCFG_PSEL_2;
    PLLCON = PLLCON_PLLE;
    PLLFEED = PLLFEED_1;
    PLLFEED = PLLFEED_2;

    uint32_t polls = 0;
    do
        polls++;
    while (!(PLLSTAT & PLLSTAT_PLOCK));
    pll_lock_polls = polls;

    PLLCON = PLLCON_PLLE | PLLCON_PLLC;
    PLLFEED = PLLFEED_1;
    PLLFEED = PLLFEED_2;
}

/* Entered directly from the IRQ vector's `ldr pc, [pc, #-0xFF0]` (VIC slot
 * 0). GCC's IRQ attribute saves the registers it uses and returns with
 * `ldmfd sp!, {..., pc}^` after lr -= 4. */
static void __attribute__((interrupt("IRQ"))) timer0_isr(void)
{
    if (IOPIN & P0_7)
        IOCLR = P0_7;
    else
        IOSET = P0_7;
    T0IR = TIR_MR0;                     /* write 1 clears the MR0 flag */
    if (++ticks == TICKS)
        T0TCR = 0;                      /* stop: exactly TICKS interrupts */
    VICVectAddr = 0;                    /* end of ISR: VIC priority logic */
}

static const uint32_t vpb_divisor[4] = { 4, 1, 2, 4 };  /* VPBDIV 3: reserved */

int main(void)
{
    /* Vectors from user flash. SocSim starts the core as the boot loader
     * leaves it, and the boot loader sets this before entering user code. */
    MEMMAP = MEMMAP_FLASH;

    pll_start();

    /* UM10114 "MAM": MAMTIM may only be changed with the MAM off; 3 CCLK
     * per flash access for CCLK above 40 MHz. Then mode 2, fully enabled. */
    MAMCR = MAMCR_OFF;
    MAMTIM = 3;
    MAMCR = MAMCR_FULL;

    VPBDIV = VPBDIV_DIV1;               /* PCLK = CCLK (reset: CCLK / 4) */

    uint32_t dl = uart0_init(PCLK_HZ, BAUD);   /* 58982400 / (16 x 115200) = 32 */

    /* Everything below is read back from the registers. */
    uint32_t st = PLLSTAT;
    uint32_t m = (st & PLLSTAT_MSEL_MASK) + 1u;
    uint32_t p = 1u << ((st >> PLLSTAT_PSEL_SHIFT) & 3u);
    uint32_t cclk = FOSC_HZ * m;
    uint32_t vpbdiv = VPBDIV & 3u;
    puts0("lpc2106_demo: FOSC ");
    put_dec(FOSC_HZ);
    puts0(" Hz\nPLL: PLLSTAT=");
    put_hex(st);
    puts0(" M=");
    put_dec(m);
    puts0(" P=");
    put_dec(p);
    puts0(" CCLK=");
    put_dec(cclk);
    puts0(" Hz FCCO=");
    put_dec(cclk * 2u * p);
    puts0(" Hz\nMAMCR=");
    put_dec(MAMCR & 3u);
    puts0(" MAMTIM=");
    put_dec(MAMTIM & 7u);
    puts0(" VPBDIV=");
    put_dec(vpbdiv);
    puts0(" PCLK=");
    put_dec(cclk / vpb_divisor[vpbdiv]);
    puts0(" Hz\nUART0: ");
    put_dec(BAUD);
    puts0(" 8N1, divisor ");
    put_dec(dl);
    puts0("\nhello from LPC2106\n");

    /* GPIO: P0.7 an output, low. PINSEL0 P0.3 = MAT0.0. */
    IOCLR = P0_7;
    IODIR |= P0_7;
    PINSEL0 = (PINSEL0 & ~PINSEL0_FIELD(3)) | PINSEL0_FUNC(3, PINSEL_MAT0_0);

    /* UM10114 "Timer0 and Timer1": with PR = 0 the TC counts PCLK; MCR MR0I
     * | MR0R interrupts on TC == MR0 and resets TC on the next PCLK, so the
     * period is MR0 + 1 PCLK cycles. EMR EMC0 = 11 toggles MAT0.0 on every
     * match. TCR.Reset holds TC and PC at 0 while they are programmed. */
    T0TCR = TTCR_RESET;
    T0PR = 0;
    T0MR0 = TICK_PCLK - 1u;
    T0MCR = TMCR_MR0I | TMCR_MR0R;
    T0EMR = TEMR_EMC0_TOGGLE;           /* EM0 starts at 0 */
    T0IR = TIR_MR0;

    /* VIC: Timer0 (channel 4) as IRQ on vectored slot 0, the highest
     * priority; anything else goes to the default vector. */
    VICIntSelect &= ~(1u << VIC_TIMER0);
    VICDefVectAddr = (uint32_t)lpc_default_isr;
    VICVectAddrN(0) = (uint32_t)timer0_isr;
    VICVectCntlN(0) = VICVectCntl_ENABLE | VIC_TIMER0;
    VICIntEnable = 1u << VIC_TIMER0;

    puts0("Timer0: MR0=");
    put_dec(T0MR0);
    puts0(", VIC slot 0 channel 4, P0.7 toggled by the ISR, MAT0.0 on P0.3\n");

    irq_enable();
    T0TCR = TTCR_ENABLE;                /* out of reset, counting */

    uint32_t seen = 0;
    while (seen < TICKS) {
        uint32_t now = ticks;
        while (seen < now) {            /* each tick once, even if late */
            seen++;
            puts0("tick ");
            put_dec(seen);
            putc0('\n');
        }
    }

    irq_disable();
    VICIntEnClear = 1u << VIC_TIMER0;
    puts0("done: ");
    put_dec(ticks);
    puts0(" ticks, P0.7=");
    put_dec((IOPIN >> 7) & 1u);
    puts0(" MAT0.0=");
    put_dec(T0EMR & TEMR_EM0);
    putc0('\n');
    uart0_flush();
    return 0;
}
