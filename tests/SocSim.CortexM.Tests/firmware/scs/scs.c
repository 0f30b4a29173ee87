/* Unprivileged accesses to the System Control Space (ARMv7-M B3.1.1, B3.2, B3.2.8), for mps2-an385
 * (Cortex-M3), built by ScsPrivilegeTests with -DSCENARIO=n and run on SocSim and on qemu-system-arm
 * -M mps2-an385: the fault handler prints CFSR, HFSR, BFAR, VTOR, NVIC_ISPR0 and IPSR on UART0, then exits
 * by semihosting.
 *   1: unprivileged Thread code writes VTOR: precise BusFault, VTOR unchanged.
 *   2: the same with BusFault disabled: HardFault FORCED.
 *   3: unprivileged Thread code writes STIR (IRQ 3) with CCR.USERSETMPEND clear: BusFault, nothing pending.
 *   4: the same with USERSETMPEND set: IRQ 3 pends; the next unprivileged read (ISPR0) faults.
 *   5: privileged Thread code: LDRT of CPUID: BusFault.
 *   6: unprivileged Thread code reads DWT_CYCCNT (the PPB outside the SCS, C1.2.1): BusFault.
 *   7: unprivileged Thread code writes DWT_CTRL: BusFault.
 *   8: unprivileged Thread code writes ITM stimulus port 9 with ITM_TPR.PRIVMASK bit 1 set, then TPR, TCR, LAR
 *      and TER (clearing port 9's bit): all discarded, no fault (Cortex-M3 TRM DDI 0337G p. 11-33); it reads and
 *      prints TER, TPR, TCR, LSR and port 9, then reads DWT_CYCCNT: BusFault.
 *   9: unprivileged Thread code writes ITM stimulus port 0 with PRIVMASK bit 0 clear, and TER setting port 1's
 *      bit (group 0 open): both taken; it prints TER, then reads DWT_CYCCNT: BusFault. */
#include "../common/mps2_uart.h"

#define CPUID_ADDR 0xE000ED00u
#define VTOR REG(0xE000ED08)
#define CCR REG(0xE000ED14)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define BFAR REG(0xE000ED38)
#define ISPR0 REG(0xE000E200)
#define STIR_ADDR 0xE000EF00u
#define DEMCR REG(0xE000EDFC)
#define DWT_CTRL_ADDR 0xE0001000u
#define DWT_CYCCNT_ADDR 0xE0001004u
#define ITM_PORT(n) REG(0xE0000000u + 4u * (n))
#define ITM_TER REG(0xE0000E00)
#define ITM_TPR REG(0xE0000E40)
#define ITM_TCR REG(0xE0000E80)
#define ITM_LAR REG(0xE0000FB0)
#define ITM_LSR REG(0xE0000FB4)


static void report(const char *what)
{
    uint32_t ipsr;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    puts_(what);
    hex("cfsr", CFSR);
    hex("hfsr", HFSR);
    if (CFSR & 0x8000) hex("bfar", BFAR);
    hex("vtor", VTOR);
    hex("ispr0", ISPR0);
    hex("ipsr", ipsr);
    semihost_exit(3000);
}

void busfault_handler(void) { report("busfault\n"); }
void hardfault_handler(void) { report("hardfault\n"); }
void default_handler(void) { report("other\n"); }

static void unprivileged(void) { __asm volatile ("movs r0, #1\n msr control, r0\n isb" : : : "r0", "memory"); }

int main(void)
{
    uart_init();
    puts_("scs test\n");
    if (SCENARIO != 2) SHCSR = 1u << 17;                  /* BUSFAULTENA */
    if (SCENARIO == 4) CCR |= 1u << 1;                    /* USERSETMPEND */
    if (SCENARIO == 1 || SCENARIO == 2) {
        unprivileged();
        VTOR = 0x4000;
    } else if (SCENARIO == 3 || SCENARIO == 4) {
        unprivileged();
        REG(STIR_ADDR) = 3;
        puts_("stir written\n");
        (void)ISPR0;
    } else if (SCENARIO == 6) {
        unprivileged();
        (void)REG(DWT_CYCCNT_ADDR);
    } else if (SCENARIO == 7) {
        unprivileged();
        REG(DWT_CTRL_ADDR) = 1;
    } else if (SCENARIO == 8 || SCENARIO == 9) {
        DEMCR = 1u << 24;                                 /* TRCENA */
        ITM_LAR = 0xC5ACCE55u;
        ITM_TER = 0x201;                                  /* ports 0 and 9 */
        ITM_TCR = 1;                                      /* ITMENA */
        ITM_TPR = 2;                                      /* ports 8-15 privileged only */
        unprivileged();
        if (SCENARIO == 8) {
            ITM_PORT(9) = 'i';
            ITM_TPR = 0;
            ITM_TCR = 0;
            ITM_LAR = 0;
            ITM_TER = 0x001;
        } else {
            ITM_PORT(0) = 'i';
            ITM_TER = 0x203;
        }
        puts_("stimulus written\n");
        hex("ter", ITM_TER);
        if (SCENARIO == 8) {
            hex("tpr", ITM_TPR);
            hex("tcr", ITM_TCR);
            hex("lsr", ITM_LSR);
            hex("port9", ITM_PORT(9));
        }
        (void)REG(DWT_CYCCNT_ADDR);
    } else {
        uint32_t v;
        __asm volatile ("ldrt %0, [%1]" : "=r"(v) : "r"(CPUID_ADDR) : "memory");
    }
    puts_("no fault\n");
    report("");
}

extern uint32_t __stack_top;
void reset_handler(void) { main(); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, reset_handler, default_handler, hardfault_handler, default_handler,
    busfault_handler, default_handler, 0, 0, 0, 0, default_handler, default_handler, 0, default_handler, default_handler,
};
