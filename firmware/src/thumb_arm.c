/* ARM-state half of the thumb program: called from Thumb code through
 * linker-generated interworking veneers (ARMv4T has no BLX), and calling
 * back into Thumb through a function pointer with bit 0 set. */
#include "board.h"
#include "uart.h"
#include "thumb_shared.h"

uint32_t arm_adler32(const uint8_t *p, uint32_t n)
{
    uint32_t a = 1, b = 0;
    while (n--) {
        a += *p++;
        if (a >= 65521u)
            a -= 65521u;
        b += a;
        if (b >= 65521u)
            b -= 65521u;
    }
    return (b << 16) | a;
}

/* Insertion sort; the comparator is Thumb code, so each comparison is an
 * ARM -> Thumb -> ARM round trip (GCC calls through BX on ARMv4T). */
void arm_sort(int32_t *v, uint32_t n, cmp_fn cmp)
{
    for (uint32_t i = 1; i < n; i++) {
        int32_t x = v[i];
        uint32_t j = i;
        while (j > 0 && cmp(v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

uint32_t __attribute__((noinline)) arm_caller_was_thumb(void)
{
    return (uint32_t)(uintptr_t)__builtin_return_address(0) & 1u;
}

uint32_t arm_cpsr(void)
{
    uint32_t psr;
    __asm__ volatile("mrs %0, cpsr" : "=r"(psr));
    return psr;
}

void arm_write(const char *s)
{
    puts0(s);
}
