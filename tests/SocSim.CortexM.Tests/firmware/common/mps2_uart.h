/* What the MPS2 test firmware (mpu.c, fpu.c, scs.c) shares: UART0 (CMSDK APB UART) text output and the
 * semihosting SYS_EXIT that ends a run on SocSim and on qemu-system-arm. */
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define UART0_DATA REG(0x40004000)
#define UART0_STATE REG(0x40004004)
#define UART0_CTRL REG(0x40004008)
#define UART0_BAUDDIV REG(0x40004010)

static void uart_init(void) { UART0_BAUDDIV = 16; UART0_CTRL = 1; }
static void putc_(char c) { while (UART0_STATE & 1) { } UART0_DATA = (uint8_t)c; }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(const char *name, uint32_t v)
{
    puts_(name);
    puts_(" ");
    for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
    puts_("\n");
}

/* Waits <drain> loop turns (the UART's shifter sends the last bytes), then exits by semihosting. */
__attribute__((noreturn)) static void semihost_exit(int drain)
{
    for (volatile int i = 0; i < drain; i++) { }
    register uint32_t r0 __asm("r0") = 0x18;      /* SYS_EXIT */
    register uint32_t r1 __asm("r1") = 0x20026;   /* ADP_Stopped_ApplicationExit */
    __asm volatile ("bkpt 0xab" : : "r"(r0), "r"(r1));
    for (;;) { }
}
