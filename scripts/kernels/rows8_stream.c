// One core streaming weight rows of any type with an eight-row decode kernel from memory, beside a plain read of
// the same buffer: the measurement behind docs/performance.md's prefetch figures (K-quant and Q5_0 rows).
// Usage (built by rows8_rates.sh): rows8_stream TYPE K ROWS, TYPE a ggml type id (12 Q4_K, 14 Q6_K, 6 Q5_0, 3 Q4_1).
// Rows are quantized from random floats where Roofline has a weight quantizer for the type, else random bytes.
#include "CRooflineKernels.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>


static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

__attribute__((target("avx512f"))) static long long read_all(const uint8_t *p, size_t n) {
    __m512i a = _mm512_setzero_si512();
    for (size_t i = 0; i < n; i += 64) a = _mm512_xor_si512(a, _mm512_load_si512(p + i));
    return _mm512_reduce_add_epi64(a);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s TYPE K ROWS\n", argv[0]); return 2; }
    const int type = atoi(argv[1]), k = atoi(argv[2]), rows = atoi(argv[3]);
    const int64_t rb = rf_row_size(type, k), ab = rf_row_size(rf_vec_dot_type(type), k);
    rf_vec_dot8_fn dot8 = rf_get_vec_dot8(type, -1);
    if (rb <= 0 || ab <= 0 || !dot8) { fprintf(stderr, "no eight-row kernel for type %d with K %d here\n", type, k); return 1; }
    const size_t total = ((size_t)rb * rows + 4095) / 4096 * 4096;
    uint8_t *w = aligned_alloc(4096, total), *y = aligned_alloc(64, ((size_t)ab + 63) / 64 * 64);
    float *f = malloc(sizeof(float) * (size_t)k);
    for (int i = 0; i < k; i++) f[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    rf_quantize_fn wq = rf_get_weight_quantize(type);
    if (wq) { for (int r = 0; r < rows; r++) wq(f, w + (size_t)r * rb, k); }
    else { for (size_t i = 0; i < total; i++) w[i] = (uint8_t)(rand() & 0x3f); }
    rf_get_quantize(rf_vec_dot_type(type), -1)(f, y, k);
    float out[8];
    long long sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        const double t0 = now();
        sink += read_all(w, total);
        const double t1 = now();
        for (int g = 0; g + 8 <= rows; g += 8) { dot8(k, w + (size_t)g * rb, (size_t)rb, y, out); sink += (long long)out[0]; }
        const double t2 = now();
        printf("type %d, K %d, %.0f MB: read %.1f GB/s, eight-row kernel %.1f GB/s\n", type, k, total / 1e6, total / (t1 - t0) / 1e9,
               (double)rb * (rows & ~7) / (t2 - t1) / 1e9);
    }
    return sink == 42;
}
