/* Ordinary synchronous faults and their escalation (ARMv7-M B1.5.14-B1.5.16, B3.2.15-B3.2.18), for mps2-an385
 * (Cortex-M3), built by FaultFirmwareTests with -DSCENARIO=n and run on SocSim and on qemu-system-arm -M mps2-an385:
 * the handler prints its name, CFSR, HFSR, BFAR (when BFARVALID), the stacked PC and xPSR and where the fault was
 * expected on UART0, then exits by semihosting.
 *   1: UDF (permanently undefined): UsageFault UNDEFINSTR.
 *   2: SDIV by zero with CCR.DIV_0_TRP: UsageFault DIVBYZERO.
 *   3: an unaligned LDR with CCR.UNALIGN_TRP: UsageFault UNALIGNED.
 *   4: a load from unmapped space: precise BusFault, BFAR = the address.
 *   5: the same with BusFault disabled: HardFault FORCED.
 *   6: BX to an even address (Thumb bit clear): UsageFault INVSTATE, stacked PC = the target, stacked T = 0.
 *   7: SDIV by zero with DIV_0_TRP and UsageFault disabled: HardFault FORCED.
 *   8: UDF inside the UsageFault handler: a fault at the handler's own priority escalates to HardFault FORCED
 *      (B1.5.15), the stacked frame is the handler's (IPSR 6).
 *   9: an unaligned LDRD: UsageFault UNALIGNED with UNALIGN_TRP clear (A3.2.1: LDRD/STRD/LDM/STM always trap). */
#include "../common/mps2_uart.h"

#define CCR REG(0xE000ED14)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define BFAR REG(0xE000ED38)
#define UNMAPPED 0x60000000u

extern char fault_at[], even_target[];
static volatile int nested;

static void report(const char *what, const uint32_t *frame)
{
    puts_(what);
    hex("cfsr", CFSR);
    hex("hfsr", HFSR);
    if (CFSR & 0x8000) hex("bfar", BFAR);
    hex("pc", frame[6]);
    hex("xpsr", frame[7] & 0xFF0001FFu);
    if (SCENARIO != 8) hex("expected", SCENARIO == 6 ? (uint32_t)even_target : (uint32_t)fault_at);
    semihost_exit(3000);
}

/* Each handler passes the stacked frame (on MSP: the firmware never uses PSP) to its C half. */
#define HANDLER(name, text) \
    void name##_c(const uint32_t *frame) { report(text, frame); } \
    __attribute__((naked)) void name(void) { __asm volatile ("mrs r0, msp\n b " #name "_c"); }

HANDLER(hardfault_handler, "hardfault\n")
HANDLER(busfault_handler, "busfault\n")
HANDLER(default_handler, "other\n")

void usagefault_handler_c(const uint32_t *frame)
{
    if (SCENARIO == 8 && !nested) {
        nested = 1;
        puts_("usagefault, then udf in it\n");
        __asm volatile ("udf #1");
    }
    report("usagefault\n", frame);
}
__attribute__((naked)) void usagefault_handler(void) { __asm volatile ("mrs r0, msp\n b usagefault_handler_c"); }

int main(void)
{
    uart_init();
    puts_("fault test\n");
    uint32_t shcsr = 1u << 17 | 1u << 18;                /* BUSFAULTENA, USGFAULTENA */
    if (SCENARIO == 5) shcsr &= ~(1u << 17);
    if (SCENARIO == 7) shcsr &= ~(1u << 18);
    SHCSR = shcsr;
    if (SCENARIO == 2 || SCENARIO == 7) CCR |= 1u << 4;  /* DIV_0_TRP */
    if (SCENARIO == 3) CCR |= 1u << 3;                   /* UNALIGN_TRP */
    __asm volatile ("dsb\n isb");
    uint32_t zero = 0, a = 7, odd = 0x20000001u, unmapped = UNMAPPED, even = (uint32_t)even_target & ~1u;
    switch (SCENARIO) {
    case 1: case 8: __asm volatile ("fault_at: udf #0"); break;
    case 2: case 7: __asm volatile ("fault_at: sdiv %0, %0, %1" : "+r"(a) : "r"(zero)); break;
    case 3: __asm volatile ("fault_at: ldr %0, [%1]" : "=r"(a) : "r"(odd) : "memory"); break;
    case 4: case 5: __asm volatile ("fault_at: ldr %0, [%1]" : "=r"(a) : "r"(unmapped) : "memory"); break;
    case 6: __asm volatile ("fault_at: bx %0" : : "r"(even)); break;
    case 9: __asm volatile ("fault_at: ldrd %0, %1, [%2]" : "=r"(a), "=r"(zero) : "r"(odd) : "memory"); break;
    }
    __asm volatile (".global fault_at\n .global even_target\n .align 2\n even_target: nop");
    puts_("no fault\n");
    for (;;) { }
}

extern uint32_t __stack_top;
void reset_handler(void) { main(); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, reset_handler, default_handler, hardfault_handler, default_handler,
    busfault_handler, usagefault_handler, 0, 0, 0, 0, default_handler, default_handler, 0, default_handler, default_handler,
};
