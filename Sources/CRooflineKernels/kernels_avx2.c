// AVX2 + FMA + F16C kernels (x86-64), compiled with target attributes and chosen at run time.
// Modeled on ggml-cpu/arch/x86/quants.c (quantize_row_q8_0, ggml_vec_dot_q4_1_q8_1, ...).
#include "avx2_helpers.h"
#ifdef RF_X86

RF_AVX2 static inline int hsum_i32_8(__m256i a) {
    __m128i sum128 = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extractf128_si256(a, 1));
    __m128i hi64 = _mm_unpackhi_epi64(sum128, sum128);
    __m128i sum64 = _mm_add_epi32(hi64, sum128);
    __m128i hi32 = _mm_shuffle_epi32(sum64, _MM_SHUFFLE(2, 3, 0, 1));
    return _mm_cvtsi128_si32(_mm_add_epi32(sum64, hi32));
}

RF_AVX2 static inline __m256i quantize32(const float *x, float *d_out) {
    __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_andnot_ps(sign, v0);
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v1));
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v2));
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v3));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    *d_out = amax / 127.f;
    const __m256 mul = _mm256_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
    __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m256i a = _mm256_packs_epi32(i0, i1);
    __m256i b = _mm256_packs_epi32(i2, i3);
    a = _mm256_packs_epi16(a, b);
    return _mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

RF_AVX2 void rf_quantize_row_q8_0_avx2(const float *x, void *vy, int64_t k) {
    rf_block_q8_0 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++) {
        float d;
        __m256i q = quantize32(x + i * RF_QK, &d);
        y[i].d = f2h(d);
        _mm256_storeu_si256((__m256i *)y[i].qs, q);
    }
}

RF_AVX2 void rf_quantize_row_q8_1_avx2(const float *x, void *vy, int64_t k) {
    rf_block_q8_1 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++) {
        float d;
        __m256i q = quantize32(x + i * RF_QK, &d);
        y[i].d = f2h(d);
        const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
        const int sum = hsum_i32_8(_mm256_madd_epi16(s16, _mm256_set1_epi16(1)));
        y[i].s = f2h(d * (float)sum);
        _mm256_storeu_si256((__m256i *)y[i].qs, q);
    }
}

// Q8_K in the reference's arithmetic (rf_quantize_row_q8_K_ref, ggml's quantize_row_q8_K_ref): the first value of
// largest magnitude sets iscale = -127/max, codes nearbyint(iscale·x) capped at 127, d = 1/iscale, sums of 16.
// NaNs are skipped when finding the largest magnitude, as the reference's comparison skips them.
RF_AVX2 void rf_quantize_row_q8_K_avx2(const float *x, void *vy, int64_t k) {
    rf_block_q8_K *y = vy;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < RF_QK_K; j += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), m);
        __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        if (amax == 0.0f) { memset(&y[i], 0, sizeof y[i]); continue; }
        float max = amax;
        const __m256 am = _mm256_set1_ps(amax);
        for (int j = 0; j < RF_QK_K; j += 8) {
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), am, _CMP_EQ_OQ));
            if (hit) { max = x[j + __builtin_ctz((unsigned)hit)]; break; }
        }
        const float iscale = -127.f / max;
        const __m256 mul = _mm256_set1_ps(iscale), cap = _mm256_set1_ps(127.f);
        for (int j = 0; j < RF_QK_K; j += 32) {
            __m256i q[4];
            for (int t = 0; t < 4; t++) {
                const __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * t), mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                q[t] = _mm256_cvtps_epi32(_mm256_min_ps(v, cap));
            }
            const __m256i a = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            const __m256i b = _mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *)(y[i].qs + j), b);
            // sums of 16: bytes to int16 pairs, then pairs of pairs
            const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), b);
            const __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));          // eight sums of 4
            const __m256i s8 = _mm256_hadd_epi32(s32, s32);                             // [0+1, 2+3, ., ., 4+5, 6+7, ., .]
            const __m256i s16x = _mm256_hadd_epi32(s8, s8);                             // [sum 0-15, ., ., ., sum 16-31, ...]
            y[i].bsums[j / 16] = (int16_t)_mm256_extract_epi32(s16x, 0);
            y[i].bsums[j / 16 + 1] = (int16_t)_mm256_extract_epi32(s16x, 4);
        }
        y[i].d = 1 / iscale;
    }
}

RF_AVX2 void rf_quantize_row_f16_avx2(const float *x, void *vy, int64_t k) {
    uint16_t *y = vy;
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < k; i++) y[i] = f2h(x[i]);
}

RF_AVX2 float rf_vec_dot_q4_0_q8_0_avx2(int n, const void *vx, const void *vy) {
    const rf_block_q4_0 *x = vx; const rf_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    const __m256i off = _mm256_set1_epi8(8);
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
        __m256i qx = _mm256_sub_epi8(rf_nibbles32(x[i].qs), off);
        __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc);
}

RF_AVX2 float rf_vec_dot_q4_1_q8_1_avx2(int n, const void *vx, const void *vy) {
    const rf_block_q4_1 *x = vx; const rf_block_q8_1 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        summs += h2f(x[i].m) * h2f(y[i].s);
        const __m256 d = _mm256_mul_ps(_mm256_set1_ps(h2f(x[i].d)), _mm256_set1_ps(h2f(y[i].d)));
        const __m256i qx = rf_nibbles32(x[i].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_us8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc) + summs;
}

RF_AVX2 float rf_vec_dot_q8_0_q8_0_avx2(int n, const void *vx, const void *vy) {
    const rf_block_q8_0 *x = vx; const rf_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[i].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float(qx, qy), acc);
    }
    return rf_hsum_f32_8(acc);
}

RF_AVX2 float rf_vec_dot_f16_f16_avx2(int n, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(y + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 8))), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(y + i + 8))), a1);
    }
    float s = rf_hsum_f32_8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += h2f(x[i]) * h2f(y[i]);
    return s;
}

RF_AVX2 static inline __m256 bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

RF_AVX2 float rf_vec_dot_bf16_bf16_avx2(int n, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(bf16x8(x + i), bf16x8(y + i), a0);
        a1 = _mm256_fmadd_ps(bf16x8(x + i + 8), bf16x8(y + i + 8), a1);
    }
    float s = rf_hsum_f32_8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += rf_bf16_to_fp32(x[i]) * rf_bf16_to_fp32(y[i]);
    return s;
}

RF_AVX2 float rf_vec_dot_f32_f32_avx2(int n, const void *vx, const void *vy) {
    const float *x = vx, *y = vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
    }
    float s = rf_hsum_f32_8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}
#endif
