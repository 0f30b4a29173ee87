/* The Cortex-M3 start of rdimon_m3: M-profile silicon takes its initial SP and reset vector from the vector
 * table at address 0 (ARMv7-M B1.5.5). Reset goes straight to newlib's crt0 (_start, a Thumb function), which
 * sets the stack and heap from SYS_HEAPINFO as it does on the ARM7 build of the same program (src/rdimon.c). */
extern void _start(void);

__attribute__((section(".vectors"), used))
const void *const rdimon_m3_vectors[2] = {
    (const void *)0x00400000,   /* top of ZBT SSRAM1 on MPS2 AN385; crt0 moves it to SYS_HEAPINFO's stack base */
    (const void *)_start,
};

/* Before main (a constructor crt0 runs): a line on ITM stimulus port 0, as CMSIS's ITM_SendChar sends it, with
 * the enables a debugger would set (DEMCR.TRCENA, the ITM lock, ITM_TCR.ITMENA, ITM_TER bit 0). */
#define REG(a) (*(volatile unsigned int *)(a))
#define ITM_PORT0_8 (*(volatile unsigned char *)0xE0000000u)

__attribute__((constructor))
static void itm_hello(void)
{
    REG(0xE000EDFCu) |= 1u << 24;          /* DEMCR.TRCENA */
    REG(0xE0000FB0u) = 0xC5ACCE55u;        /* ITM_LAR: unlock */
    REG(0xE0000E80u) |= 1u;                /* ITM_TCR.ITMENA */
    REG(0xE0000E00u) |= 1u;                /* ITM_TER: port 0 */
    for (const char *s = "itm: port 0 text from the Cortex-M3\n"; *s; s++) {
        while ((REG(0xE0000000u) & 1u) == 0) { }
        ITM_PORT0_8 = (unsigned char)*s;
    }
}
