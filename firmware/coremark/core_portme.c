/* CoreMark port for the MPS2 AN385 on SocSim (see core_portme.h): the time base is the DWT's CYCCNT,
 * counting core cycles at the board's 25 MHz SYSCLK. */
#include "coremark.h"
#include "core_portme.h"

#if VALIDATION_RUN
volatile ee_s32 seed1_volatile = 0x3415;
volatile ee_s32 seed2_volatile = 0x3415;
volatile ee_s32 seed3_volatile = 0x66;
#endif
#if PERFORMANCE_RUN
volatile ee_s32 seed1_volatile = 0x0;
volatile ee_s32 seed2_volatile = 0x0;
volatile ee_s32 seed3_volatile = 0x66;
#endif
#if PROFILE_RUN
volatile ee_s32 seed1_volatile = 0x8;
volatile ee_s32 seed2_volatile = 0x8;
volatile ee_s32 seed3_volatile = 0x8;
#endif
volatile ee_s32 seed4_volatile = ITERATIONS;
volatile ee_s32 seed5_volatile = 0;

#define DEMCR (*(volatile ee_u32 *)0xE000EDFC)
#define DWT_CTRL (*(volatile ee_u32 *)0xE0001000)
#define DWT_CYCCNT (*(volatile ee_u32 *)0xE0001004)
#define EE_TICKS_PER_SEC 25000000u

static CORETIMETYPE start_time_val, stop_time_val;

void start_time(void) { start_time_val = DWT_CYCCNT; }
void stop_time(void) { stop_time_val = DWT_CYCCNT; }
CORE_TICKS get_time(void) { return stop_time_val - start_time_val; }
secs_ret time_in_secs(CORE_TICKS ticks) { return ticks / EE_TICKS_PER_SEC; }

ee_u32 default_num_contexts = 1;

void portable_init(core_portable *p, int *argc, char *argv[])
{
    (void)argc; (void)argv;
    DEMCR |= 1u << 24;      /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
    p->portable_id = 1;
}

void portable_fini(core_portable *p)
{
    ee_u32 t = get_time();
    /* Iterations/s without floating point: iterations * ticks-per-second / ticks, to 3 decimals. */
    unsigned long long milli = (unsigned long long)ITERATIONS * EE_TICKS_PER_SEC * 1000ull / t;
    ee_printf("CoreMark cycles      : %lu\n", (unsigned long)t);
    ee_printf("Iterations/Sec x1000 : %lu\n", (unsigned long)milli);
    p->portable_id = 0;
}
