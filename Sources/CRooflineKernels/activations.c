// Gated activations of the feed-forward block, as ggml's CPU backend computes them: ggml_vec_swiglu_f32
// (ggml/src/ggml-cpu/vec.cpp) takes silu(x) = x / (1 + exp(-x)) from ggml_v_silu, a vectorised exp
// ("adapted from arm limited optimized routine", vec.h), for whole vectors and from expf for the rest.
#include "kernels_internal.h"
#include <math.h>
#include <pthread.h>
#ifdef RF_X86
#include <immintrin.h>
#endif

// The plain reference: ggml_silu_f32(x) * g.
static void rf_swiglu_ref(int64_t n, float *x, const float *g) {
    for (int64_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + expf(-x[i])) * g[i];
}

#ifdef RF_X86
#define RF_AVX512F __attribute__((target("avx2,fma,avx512f")))
#define RF_AVX2FMA __attribute__((target("avx2,fma")))

// ggml_v_expf, AVX-512 version (vec.h), operation for operation.
RF_AVX512F static inline __m512 rf_v_expf512(__m512 x) {
    const __m512 r = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const __m512 n = _mm512_sub_ps(z, r);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 d = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 j = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                        _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const __m512 res = _mm512_scalef_ps(j, n);
    if (_mm512_kortestz(d, d)) return res;
    const __m512 zero = _mm512_setzero_ps();
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, zero, _CMP_LE_OQ), _mm512_set1_ps(INFINITY), zero);
    return _mm512_mask_blend_ps(d, res, alt);
}

RF_AVX512F static void rf_swiglu_avx512(int64_t n, float *x, const float *g) {
    int64_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512 silu = _mm512_div_ps(v, _mm512_add_ps(one, rf_v_expf512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
        _mm512_storeu_ps(x + i, _mm512_mul_ps(silu, _mm512_loadu_ps(g + i)));
    }
    rf_swiglu_ref(n - i, x + i, g + i);
}

// ggml_v_expf, AVX2 + FMA version (vec.h), operation for operation.
RF_AVX2FMA static inline __m256 rf_v_expf256(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1))));
    const __m256i c = _mm256_castps_si256(_mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.f), n), _mm256_set1_ps(126), _CMP_GT_OQ));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
    if (!_mm256_movemask_ps(_mm256_castsi256_ps(c))) return _mm256_fmadd_ps(j, k, k);
    const __m256i g = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)), _mm256_set1_epi32((int)0x82000000u));
    const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(0x7f000000)));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
    const __m256i d = _mm256_castps_si256(_mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.f), n), _mm256_set1_ps(192), _CMP_GT_OQ));
    return _mm256_or_ps(
        _mm256_and_ps(_mm256_castsi256_ps(d), _mm256_mul_ps(s1, s1)),
        _mm256_andnot_ps(_mm256_castsi256_ps(d),
                         _mm256_or_ps(_mm256_and_ps(_mm256_castsi256_ps(c), _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1)),
                                      _mm256_andnot_ps(_mm256_castsi256_ps(c), _mm256_fmadd_ps(k, j, k)))));
}

RF_AVX2FMA static void rf_swiglu_avx2(int64_t n, float *x, const float *g) {
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 silu = _mm256_div_ps(v, _mm256_add_ps(one, rf_v_expf256(_mm256_sub_ps(_mm256_setzero_ps(), v))));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(silu, _mm256_loadu_ps(g + i)));
    }
    rf_swiglu_ref(n - i, x + i, g + i);
}
#endif

void rf_swiglu(int64_t n, float *x, const float *g, int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_swiglu_avx512(n, x, g); return; }
    if (path >= RF_PATH_AVX2) { rf_swiglu_avx2(n, x, g); return; }
#endif
    (void)path;
    rf_swiglu_ref(n, x, g);
}

// GELU (tanh form) times g, as ggml_vec_geglu_f32 computes it with GGML_GELU_FP16: x <= -10 gives 0, x >= 10
// gives x, and anything between goes through a table of fp16(gelu(h)) over all 65,536 halves h, looked up at
// fp16(x) (ggml_table_gelu_f16). The table is made once, with ggml_gelu_f32's formula evaluated without
// contraction, in the order the former Swift loop used.
static uint16_t rf_gelu_table[65536 + 1];  // one more: the gather reads 4 bytes at the last entry
static pthread_once_t rf_gelu_once = PTHREAD_ONCE_INIT;

static void rf_gelu_init(void) {
#pragma clang fp contract(off)
    for (int i = 0; i < 65536; i++) {
        const float h = rf_fp16_to_fp32((uint16_t)i);
        const float inner = 0.797884560802865f * h * (1.0f + 0.044715f * h * h);
        rf_gelu_table[i] = rf_fp32_to_fp16(0.5f * h * (1.0f + tanhf(inner)));
    }
}

static void rf_geglu_ref(int64_t n, float *x, const float *g) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        const float r = v <= -10.0f ? 0.0f : v >= 10.0f ? v : rf_fp16_to_fp32(rf_gelu_table[rf_fp32_to_fp16(v)]);
        x[i] = r * g[i];
    }
}

#ifdef RF_X86
__attribute__((target("avx2,fma,f16c,avx512f"))) static void rf_geglu_avx512(int64_t n, float *x, const float *g) {
    int64_t i = 0;
    const __m512 lo = _mm512_set1_ps(-10.0f), hi = _mm512_set1_ps(10.0f);
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512i idx = _mm512_cvtepu16_epi32(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m512i t = _mm512_i32gather_epi32(idx, (const int *)rf_gelu_table, 2);
        __m512 r = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(t));
        r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, hi, _CMP_GE_OQ), r, v);
        r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, lo, _CMP_LE_OQ), r, _mm512_setzero_ps());
        _mm512_storeu_ps(x + i, _mm512_mul_ps(r, _mm512_loadu_ps(g + i)));
    }
    rf_geglu_ref(n - i, x + i, g + i);
}
#endif

void rf_geglu(int64_t n, float *x, const float *g, int path) {
    pthread_once(&rf_gelu_once, rf_gelu_init);
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_geglu_avx512(n, x, g); return; }
#endif
    (void)path;
    rf_geglu_ref(n, x, g);
}
