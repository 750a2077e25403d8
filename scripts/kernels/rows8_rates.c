// How fast one core runs the eight-row decode kernels (kernels_rows8_avx512.c), from L2 and from memory, beside
// a plain read loop over the same memory: the measurement behind docs/performance.md's
// "Where the speed issue stands" kernel figures (2026-12-07)
// (the Q4_1 kernel computes about what one core can read, so its arithmetic bounds decode).
// Built and run by rows8_rates.sh against the release build's kernel objects.
#define _GNU_SOURCE
#include "CRooflineKernels.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

void rf_vec_dot8_q4_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q4_1_q8_1_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q8_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, float *out);
typedef void (*kernel)(int n, const void *w, size_t rb, const void *y, float *out);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// GB/s of weight rows consumed: `reps` passes over `rows` rows of `rb` bytes, eight rows per call.
static double rate(kernel f, const char *w, size_t rows, size_t rb, const char *y, int reps) {
    float o[8];
    const double t0 = now();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i + 8 <= rows; i += 8) f(576, w + i * rb, rb, y, o);
    return (double)reps * (double)(rows & ~(size_t)7) * (double)rb / (now() - t0) / 1e9;
}

__attribute__((target("avx512f"))) static double probe(const char *b, size_t n) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0;
    const double t0 = now();
    for (size_t i = 0; i + 128 <= n; i += 128) {
        a0 = _mm512_xor_si512(a0, _mm512_load_si512(b + i));
        a1 = _mm512_xor_si512(a1, _mm512_load_si512(b + i + 64));
    }
    const double dt = now() - t0;
    if (_mm512_reduce_add_epi64(_mm512_xor_si512(a0, a1)) == 1) printf(" ");
    return (double)n / dt / 1e9;
}

// Random blocks with sane F16 scales every `bs` bytes (at offsets 0 and, for Q4_1/Q8_1, 2).
static void fill(char *p, size_t bytes, size_t bs, int two_heads) {
    for (size_t i = 0; i < bytes; i++) p[i] = (char)rand();
    for (size_t k = 0; k + bs <= bytes; k += bs) {
        const uint16_t d = (uint16_t)(0x2000 + (rand() & 0x3ff)), m = (uint16_t)(0xa000 + (rand() & 0x3ff));
        memcpy(p + k, &d, 2);
        if (two_heads) memcpy(p + k + 2, &m, 2);
    }
}

int main(void) {
    if (rf_cpu_best_path() < RF_PATH_AVX512VNNI) { printf("needs AVX-512 VNNI\n"); return 0; }
    struct { const char *name; kernel f; size_t rb, wb, yb; int two; } ks[] = {
        { "Q4_0", rf_vec_dot8_q4_0_q8_0_avx512, 324, 18, 34, 0 },
        { "Q4_1", rf_vec_dot8_q4_1_q8_1_avx512, 360, 20, 36, 1 },
        { "Q8_0", rf_vec_dot8_q8_0_q8_0_avx512, 612, 34, 34, 0 },
    };
    const size_t big = 256 << 20;  // from memory: 256 MiB on transparent huge pages, as the engine maps weights
    char *mem = aligned_alloc(2 << 20, big);
    madvise(mem, big, MADV_HUGEPAGE);
    char *l2 = aligned_alloc(64, 800 * 612 + 65536);  // from L2: 800 rows (under 0.5 MB)
    for (int k = 0; k < 3; k++) {
        char y[36 * 18];
        fill(y, sizeof y, ks[k].yb, ks[k].two);
        fill(l2, 800 * ks[k].rb + 65536, ks[k].wb, ks[k].two);
        fill(mem, big, ks[k].wb, ks[k].two);
        const size_t rows = (big - 65536) / ks[k].rb;
        for (int t = 0; t < 3; t++) {
            const double a = rate(ks[k].f, l2, 800, ks[k].rb, y, 2000);
            const double p = probe(mem, big), b = rate(ks[k].f, mem, rows, ks[k].rb, y, 1);
            printf("%s rows of 576, one thread: from L2 %.1f GB/s; from memory %.1f GB/s, a read loop %.1f GB/s (%.0f%%)\n",
                   ks[k].name, a, b, p, 100 * b / p);
        }
    }
    return 0;
}
