/* Interfaces between the Thumb and ARM halves of the thumb program. */
#ifndef THUMB_SHARED_H
#define THUMB_SHARED_H

#include <stdint.h>

typedef int (*cmp_fn)(int32_t a, int32_t b);

/* ARM state (thumb_arm.c). */
uint32_t arm_adler32(const uint8_t *p, uint32_t n);
void arm_sort(int32_t *v, uint32_t n, cmp_fn cmp);   /* calls back into cmp */
uint32_t arm_caller_was_thumb(void);                 /* 1 if lr bit 0 was set */
uint32_t arm_cpsr(void);
void arm_write(const char *s);                       /* UART0 via the ARM helpers */

/* Thumb state (thumb_main.c). */
int thumb_cmp_desc(int32_t a, int32_t b);

#endif
