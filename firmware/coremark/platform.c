/* Start-up, UART and exit for CoreMark on the MPS2 AN385 (SocSim): the vector table, .data/.bss set up,
 * newlib's _write to the CMSDK APB UART0 (DATA, STATE.TXFULL, CTRL.TXEN), semihosting SYS_EXIT. */
#include <stdint.h>
#include <sys/stat.h>

#define UART0_DATA (*(volatile uint32_t *)0x40004000)
#define UART0_STATE (*(volatile uint32_t *)0x40004004)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010)

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _end;
int main(void);

static void __attribute__((noreturn)) semihost_exit(int code)
{
    /* Let the UART shift out its last character (10 bits at BAUDDIV 16 cycles each) before the simulation ends. */
    while (UART0_STATE & 1) { }
    for (volatile int i = 0; i < 200; i++) { }
    /* SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit: r1 is the reason code. */
    register uint32_t r0 __asm__("r0") = 0x18;
    register uint32_t r1 __asm__("r1") = code == 0 ? 0x20026 : 0x20023;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) { }
}

void Reset_Handler(void)
{
    uint32_t *s = &_sidata, *d = &_sdata;
    while (d < &_edata) *d++ = *s++;
    for (d = &_sbss; d < &_ebss; ) *d++ = 0;
    UART0_BAUDDIV = 16;
    UART0_CTRL = 1;
    semihost_exit(main());
}

static void Fault_Handler(void) { semihost_exit(1); }

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
};

int _write(int fd, const char *p, int n)
{
    (void)fd;
    for (int i = 0; i < n; i++)
    {
        while (UART0_STATE & 1) { }
        UART0_DATA = (uint8_t)p[i];
    }
    return n;
}

void *_sbrk(int incr)
{
    static char *brk = (char *)&_end;
    char *old = brk;
    brk += incr;
    return old;
}

int _close(int fd) { (void)fd; return -1; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
int _lseek(int fd, int o, int w) { (void)fd; (void)o; (void)w; return 0; }
int _read(int fd, char *p, int n) { (void)fd; (void)p; (void)n; return 0; }
void _exit(int code) { semihost_exit(code); }
int _kill(int pid, int sig) { (void)pid; (void)sig; return -1; }
int _getpid(void) { return 1; }
