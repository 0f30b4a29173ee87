/* Thumb-state kernel of bench: xorshift32 stream, bit counting and bit
 * reversal with shifts and masks (Thumb data-processing and shift forms). */
#include <stdint.h>

uint32_t thumb_kernel(uint32_t seed, uint32_t n);

static uint32_t popcount(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
}

static uint32_t reverse(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
    x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
    return (x >> 16) | (x << 16);
}

uint32_t thumb_kernel(uint32_t seed, uint32_t n)
{
    uint32_t x = seed ? seed : 1u, acc = 0, bits = 0;
    while (n--) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bits += popcount(x);
        acc = (acc << 3 | acc >> 29) ^ reverse(x);
    }
    return acc ^ bits;
}
