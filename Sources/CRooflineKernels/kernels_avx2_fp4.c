// AVX2 one-row dot products for the FP4 formats MXFP4 and NVFP4 with Q8_0 activations: E2M1 codes become
// ggml's doubled int8 values (kvalues_mxfp4) by one pshufb, then int8 products as for Q8_0.
#include "avx2_helpers.h"
#ifdef RF_X86

RF_AVX2 static inline __m256i kvalues_table(void) {
    const __m128i t = _mm_loadu_si128((const __m128i *)rf_kvalues_mxfp4);
    return _mm256_set_m128i(t, t);
}

RF_AVX2 float rf_vec_dot_mxfp4_q8_0_avx2(int n, const void *vx, const void *vy) {
    const rf_block_mxfp4 *x = vx; const rf_block_q8_0 *y = vy;
    const __m256i table = kvalues_table();
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256 d = _mm256_set1_ps(h2f(y[i].d) * rf_e8m0_to_fp32_half(x[i].e));
        const __m256i qx = _mm256_shuffle_epi8(table, rf_nibbles32(x[i].qs));
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc);
}

// Per 64-value block: two Q8_0 activation blocks; eight int32 lanes per 32 values, lanes 0-3 one sub-block
// (scale d[2h]) and lanes 4-7 the next (d[2h+1]).
RF_AVX2 float rf_vec_dot_nvfp4_q8_0_avx2(int n, const void *vx, const void *vy) {
    const rf_block_nvfp4 *x = vx; const rf_block_q8_0 *y = vy;
    const __m256i table = kvalues_table();
    const __m128i m4 = _mm_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK_NVFP4; i++) {
        for (int h = 0; h < 2; h++) {
            const __m128i t = _mm_loadu_si128((const __m128i *)(x[i].qs + 16 * h));
            const __m128i lo = _mm_and_si128(t, m4), hi = _mm_and_si128(_mm_srli_epi16(t, 4), m4);
            // element order: sub-block 2h (lo 0..7, hi 0..7), then sub-block 2h+1 (lo 8..15, hi 8..15)
            const __m256i codes = _mm256_set_m128i(_mm_unpackhi_epi64(lo, hi), _mm_unpacklo_epi64(lo, hi));
            const __m256i qx = _mm256_shuffle_epi8(table, codes);
            const rf_block_q8_0 *yb = &y[2 * i + h];
            const __m256i qy = _mm256_loadu_si256((const __m256i *)yb->qs);
            const float dy = h2f(yb->d);
            const __m256 d = _mm256_set_m128(_mm_set1_ps(dy * rf_ue4m3_to_fp32_half(x[i].d[2 * h + 1])),
                                             _mm_set1_ps(dy * rf_ue4m3_to_fp32_half(x[i].d[2 * h])));
            acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float(qx, qy), acc);
        }
    }
    return rf_hsum_f32_8(acc);
}
#endif
