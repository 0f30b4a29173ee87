/* bench: deterministic compute-bound kernels, ARM state (plus one Thumb
 * kernel in bench_thumb.c). Each kernel runs SCALE rounds with a
 * round-dependent input and folds its results into one checksum, printed
 * as one line per kernel on UART0. SCALE=50 -> bench (~100 M
 * instructions), SCALE=1 -> bench_small (~2 M). Build with -DMEASURE to
 * also print SP804 ticks per kernel; under `qemu -icount shift=0` one tick
 * (1 us of virtual time) is 1000 instructions. */
#include "board.h"
#include "uart.h"

#ifndef SCALE
#define SCALE 1
#endif

uint32_t thumb_kernel(uint32_t seed, uint32_t n);   /* bench_thumb.c */

static uint32_t lcg_state;

static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

/* ---- CRC-32 (IEEE 802.3, reflected, bitwise) ---- */
#define CRC_LEN 8192
static uint8_t crc_buf[CRC_LEN];

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t kernel_crc32(uint32_t round)
{
    lcg_state = 0xC0FFEEu + round;
    for (uint32_t i = 0; i < CRC_LEN; i++)
        crc_buf[i] = (uint8_t)(lcg() >> 24);
    return crc32(crc_buf, CRC_LEN);
}

/* ---- sieve of Eratosthenes ---- */
#define SIEVE_N 32768
static uint8_t composite[SIEVE_N];

static uint32_t kernel_sieve(uint32_t round)
{
    uint32_t limit = SIEVE_N - (round & 0xFFu);
    for (uint32_t i = 0; i < limit; i++)
        composite[i] = 0;
    uint32_t count = 0, sum = 0;
    for (uint32_t i = 2; i < limit; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        for (uint32_t j = i * i; j < limit; j += i)
            composite[j] = 1;
    }
    return count * 65537u ^ sum;
}

/* ---- integer matrix multiply ---- */
#define MN 32
static int32_t ma[MN][MN], mb[MN][MN], mc[MN][MN];

static uint32_t kernel_matmul(uint32_t round)
{
    lcg_state = 0x1234u + round;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (int32_t)(lcg() >> 20) - 2048;
            mb[i][j] = (int32_t)(lcg() >> 20) - 2048;
        }
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int k = 0; k < MN; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++)
            h = (h << 5 | h >> 27) ^ (uint32_t)mc[i][j];
    return h;
}

/* ---- quicksort of pseudo-random data ---- */
#define QS_N 3000
static int32_t qs_data[QS_N];

static void quicksort(int32_t *v, int lo, int hi)
{
    while (lo < hi) {
        int32_t pivot = v[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half to bound the stack depth. */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

static uint32_t kernel_qsort(uint32_t round)
{
    lcg_state = 0xBADC0DEu ^ round;
    for (int i = 0; i < QS_N; i++)
        qs_data[i] = (int32_t)lcg();
    quicksort(qs_data, 0, QS_N - 1);
    uint32_t h = 0;
    int sorted = 1;
    for (int i = 0; i < QS_N; i++) {
        if (i && qs_data[i - 1] > qs_data[i])
            sorted = 0;
        h = h * 31u + (uint32_t)qs_data[i];
    }
    return sorted ? h : ~0u;
}

static uint32_t kernel_thumb(uint32_t round)
{
    return thumb_kernel(0x9E3779B9u * (round + 1), 4096);
}

#ifdef MEASURE
#define FREE_TIMER TIMER23_BASE
static void timer_start(void)
{
    TIMER_CONTROL(FREE_TIMER) = 0;
    TIMER_LOAD(FREE_TIMER) = 0xFFFFFFFFu;
    TIMER_CONTROL(FREE_TIMER) = TimerControl_TimerEn | TimerControl_TimerSize;
}
#endif

struct kernel {
    const char *name;
    uint32_t (*run)(uint32_t round);
};

static const struct kernel kernels[] = {
    { "crc32 ", kernel_crc32 },
    { "sieve ", kernel_sieve },
    { "matmul", kernel_matmul },
    { "qsort ", kernel_qsort },
    { "thumb ", kernel_thumb },
};

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("bench: SCALE=");
    put_dec(SCALE);
    putc0('\n');
#ifdef MEASURE
    timer_start();
    uint32_t total = 0;
#endif
    for (unsigned k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
#ifdef MEASURE
        uint32_t t0 = TIMER_VALUE(FREE_TIMER);
#endif
        uint32_t h = 0;
        for (uint32_t r = 0; r < SCALE; r++)
            h = (h << 7 | h >> 25) ^ kernels[k].run(r);
        puts0(kernels[k].name);
        puts0(" checksum ");
        put_hex(h);
#ifdef MEASURE
        uint32_t dt = t0 - TIMER_VALUE(FREE_TIMER);
        total += dt;
        puts0("  ticks ");
        put_dec(dt);
#endif
        putc0('\n');
    }
#ifdef MEASURE
    puts0("total ticks ");
    put_dec(total);
    putc0('\n');
#endif
    puts0("bench done\n");
    uart_flush(UART0_BASE);
    return 0;
}
