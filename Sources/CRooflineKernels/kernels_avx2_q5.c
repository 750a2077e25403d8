// AVX2 one-row dot products for Q5_0 and Q5_1 (fifth bits expanded from qh as ggml's bytes_from_bits_32),
// modeled on ggml-cpu/arch/x86/quants.c.
#include "avx2_helpers.h"
#ifdef RF_X86

RF_AVX2 float rf_vec_dot_q5_0_q8_0_avx2(int n, const void *vx, const void *vy) {
    const rf_block_q5_0 *x = vx; const rf_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
        // (code - 16) as int8: the nibble, with 0xF0 or-ed in where the fifth bit is clear
        const __m256i hi = _mm256_andnot_si256(rf_bytes_from_bits32(x[i].qh), _mm256_set1_epi8((char)0xF0));
        const __m256i qx = _mm256_or_si256(rf_nibbles32(x[i].qs), hi);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc);
}

RF_AVX2 float rf_vec_dot_q5_1_q8_1_avx2(int n, const void *vx, const void *vy) {
    const rf_block_q5_1 *x = vx; const rf_block_q8_1 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        summs += h2f(x[i].m) * h2f(y[i].s);
        const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
        const __m256i hi = _mm256_and_si256(rf_bytes_from_bits32(x[i].qh), _mm256_set1_epi8(0x10));
        const __m256i qx = _mm256_or_si256(rf_nibbles32(x[i].qs), hi);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_us8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc) + summs;
}

#endif
