/* The MPU on exception stacking and unstacking and on LDRT (ARMv7-M B1.5.6, B1.5.8, B3.2.15, A7.7), for
 * mps2-an385 (Cortex-M3), built by MpuFirmwareTests with -DSCENARIO=n and run on SocSim and on
 * qemu-system-arm -M mps2-an385: the fault handler prints CFSR, HFSR, MMFAR, IPSR, SHCSR and the stack
 * pointer the failed frame left, on UART0, then exits by semihosting. Region 0: everything, full access;
 * region 1: 0x20001000-0x200010FF, privileged read/write only.
 *   1: unprivileged Thread code (PSP at the region's top) takes SVCall (priority 0x80): MSTKERR, MemManage.
 *   2: the same with MemManage disabled: MSTKERR escalated to HardFault (FORCED).
 *   3: privileged Thread code (MSP at the region's top) takes SVCall, whose handler sets CONTROL.nPRIV and
 *      returns: the unprivileged unstacking is refused, MUNSTKERR, MemManage.
 *   4: privileged Thread code: LDRT from the region: DACCVIOL with MMFAR. */
#include "../common/mps2_uart.h"

#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define MMFAR REG(0xE000ED34)
#define SHPR2 REG(0xE000ED1C)
#define MPU_CTRL REG(0xE000ED94)
#define MPU_RBAR REG(0xE000ED9C)
#define MPU_RASR REG(0xE000EDA0)
#define GUARDED 0x20001000u


static void report(const char *what, uint32_t sp)
{
    uint32_t ipsr;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    puts_(what);
    hex("cfsr", CFSR);
    hex("hfsr", HFSR);
    if (CFSR & 0x80) hex("mmfar", MMFAR);
    hex("ipsr", ipsr);
    hex("shcsr", SHCSR);
    hex("sp", sp);
    semihost_exit(3000);
}

static uint32_t psp(void) { uint32_t v; __asm volatile ("mrs %0, psp" : "=r"(v)); return v; }
void memmanage_handler(void) { report("memmanage\n", psp()); }
void hardfault_handler(void) { report("hardfault\n", psp()); }
void default_handler(void) { report("other\n", 0); }

__attribute__((naked)) void svc_handler(void)
{
    /* Scenario 3: Thread mode unprivileged from now on; the return pops the frame from region 1. */
    __asm volatile ("movs r0, #1\n msr control, r0\n isb\n bx lr");
}

int main(void)
{
    uart_init();
    puts_("mpu test\n");
    SHPR2 = 0x80u << 24;                                  /* SVCall priority 0x80; MemManage stays 0 */
    if (SCENARIO != 2) SHCSR = 1u << 16;                  /* MEMFAULTENA */
    MPU_RBAR = 0x00000000u | 0x10 | 0;                    /* region 0: 4 GB, AP 011 */
    MPU_RASR = (3u << 24) | (31u << 1) | 1;
    MPU_RBAR = GUARDED | 0x10 | 1;                        /* region 1: 256 bytes, AP 001 */
    MPU_RASR = (1u << 24) | (7u << 1) | 1;
    MPU_CTRL = 1;
    __asm volatile ("dsb\n isb");
    if (SCENARIO == 1 || SCENARIO == 2) {
        __asm volatile ("msr psp, %0\n movs r0, #3\n msr control, r0\n isb\n svc #0" : : "r"(GUARDED + 0x100) : "r0", "memory");
    } else if (SCENARIO == 3) {
        __asm volatile ("mov r1, sp\n mov sp, %0\n svc #0\n mov sp, r1" : : "r"(GUARDED + 0x100) : "r0", "r1", "memory");
    } else {
        uint32_t v;
        __asm volatile ("ldrt %0, [%1, #4]" : "=r"(v) : "r"(GUARDED) : "memory");
    }
    puts_("no fault\n");
    report("", 0);
}

extern uint32_t __stack_top;
void reset_handler(void) { main(); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, reset_handler, default_handler, hardfault_handler, memmanage_handler,
    default_handler, default_handler, 0, 0, 0, 0, svc_handler, default_handler, 0, default_handler, default_handler,
};
