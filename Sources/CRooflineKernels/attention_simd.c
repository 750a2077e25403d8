// Vector helpers for attention over an F16 KV cache: scalar references and AVX2/F16C versions with the
// same rounding (F16C conversions round to nearest even, like rf_fp32_to_fp16; FMA like fmaf).
#include "avx2_helpers.h"
#include <math.h>
#ifdef RF_X86
#include <immintrin.h>
#endif

// acc[i] = f16(acc[i] * s)
static void rf_f16_scale_ref(int n, uint16_t *acc, float s) {
    for (int i = 0; i < n; i++) acc[i] = rf_fp32_to_fp16(rf_fp16_to_fp32(acc[i]) * s);
}
// acc[i] = f16(fma(v[i], s, acc[i]))
static void rf_f16_mad_ref(int n, uint16_t *acc, const uint16_t *v, float s) {
    for (int i = 0; i < n; i++) acc[i] = rf_fp32_to_fp16(fmaf(rf_fp16_to_fp32(v[i]), s, rf_fp16_to_fp32(acc[i])));
}
// sum q[i] * f32(k[i])
static float rf_dot_f32_f16_ref(int n, const float *q, const uint16_t *k) {
    float a = 0;
    for (int i = 0; i < n; i++) a += q[i] * rf_fp16_to_fp32(k[i]);
    return a;
}
// o[i] += w * f32(v[i])
static void rf_axpy_f32_f16_ref(int n, float *o, const uint16_t *v, float w) {
    for (int i = 0; i < n; i++) o[i] += w * rf_fp16_to_fp32(v[i]);
}
// o[i] = fma(f32(v[i]), w, o[i]) for a row of Q8_0 blocks (n a multiple of 32): ggml's dequantize_row_q8_0 (q·d)
// then ggml_vec_mad_f32 (one FMA per element).
static void rf_axpy_f32_q8_ref(int n, float *o, const void *v, float w) {
    const uint8_t *p = v;
    for (int b = 0; b < n / 32; b++, p += 34) {
        const float d = rf_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8));
        const int8_t *q = (const int8_t *)(p + 2);
        for (int i = 0; i < 32; i++) o[b * 32 + i] = fmaf((float)q[i] * d, w, o[b * 32 + i]);
    }
}
// o[i] *= s
static void rf_scale_f32_ref(int n, float *o, float s) {
    for (int i = 0; i < n; i++) o[i] *= s;
}

#ifdef RF_X86
RF_AVX2 static void rf_axpy_f32_q8_avx2(int n, float *o, const void *v, float w) {
    const uint8_t *p = v;
    const __m256 vw = _mm256_set1_ps(w);
    for (int b = 0; b < n / 32; b++, p += 34) {
        const __m256 d = _mm256_set1_ps(rf_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8)));
        for (int i = 0; i < 32; i += 8) {
            const __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p + 2 + i)))), d);
            _mm256_storeu_ps(o + b * 32 + i, _mm256_fmadd_ps(x, vw, _mm256_loadu_ps(o + b * 32 + i)));
        }
    }
}
RF_AVX2 static void rf_scale_f32_avx2(int n, float *o, float s) {
    const __m256 vs = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_loadu_ps(o + i), vs));
    rf_scale_f32_ref(n - i, o + i, s);
}
RF_AVX2 static void rf_f16_scale_avx2(int n, uint16_t *acc, float s) {
    const __m256 vs = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 a = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(acc + i)));
        _mm_storeu_si128((__m128i *)(acc + i), _mm256_cvtps_ph(_mm256_mul_ps(a, vs), _MM_FROUND_TO_NEAREST_INT));
    }
    rf_f16_scale_ref(n - i, acc + i, s);
}
RF_AVX2 static void rf_f16_mad_avx2(int n, uint16_t *acc, const uint16_t *v, float s) {
    const __m256 vs = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 a = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(acc + i)));
        __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i)));
        _mm_storeu_si128((__m128i *)(acc + i), _mm256_cvtps_ph(_mm256_fmadd_ps(x, vs, a), _MM_FROUND_TO_NEAREST_INT));
    }
    rf_f16_mad_ref(n - i, acc + i, v + i, s);
}
RF_AVX2 static float rf_dot_f32_f16_avx2(int n, const float *q, const uint16_t *k) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i + 8))), a1);
    }
    return rf_hsum_f32_8(_mm256_add_ps(a0, a1)) + rf_dot_f32_f16_ref(n - i, q + i, k + i);
}
RF_AVX2 static void rf_axpy_f32_f16_avx2(int n, float *o, const uint16_t *v, float w) {
    const __m256 vw = _mm256_set1_ps(w);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(o + i, _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i))), vw, _mm256_loadu_ps(o + i)));
    }
    rf_axpy_f32_f16_ref(n - i, o + i, v + i, w);
}
#endif

rf_attn_ops rf_get_attn_ops(int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX2) {
        return (rf_attn_ops){ rf_f16_scale_avx2, rf_f16_mad_avx2, rf_dot_f32_f16_avx2, rf_axpy_f32_f16_avx2, rf_axpy_f32_q8_avx2,
                              rf_scale_f32_avx2 };
    }
#endif
    (void)path;
    return (rf_attn_ops){ rf_f16_scale_ref, rf_f16_mad_ref, rf_dot_f32_f16_ref, rf_axpy_f32_f16_ref, rf_axpy_f32_q8_ref, rf_scale_f32_ref };
}
