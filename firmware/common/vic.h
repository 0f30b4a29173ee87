#ifndef VIC_H
#define VIC_H

#include <stdint.h>

typedef void (*isr_t)(void);

extern volatile uint32_t irq_vector_count;  /* IRQ entries through vector 0x18 */

void vic_init(void);
/* Route source `line` to vectored slot `slot` (0 = highest priority). */
void vic_set_vector(unsigned slot, unsigned line, isr_t isr);
void irq_enable(void);
void irq_disable(void);

#endif
