// FP8 weight rows (kernels_fp8.c) times float32 activations, AVX2 + F16C and AVX-512. Both FP8 formats widen
// exactly to IEEE half with integer shifts, then F16C converts to float32:
// - E4M3FN: sign-extend the byte to 16 bits, shift left 7, clear bit 14: the half holds value * 2^-8 (its 5-bit
//   exponent gets E4M3's 4 bits, subnormals included); the 2^8 goes into the row scale.
// - E5M2: the byte is the top half of the half (same exponent), so code << 8 is the value itself.
// Products and sums are float32 as in the scalar reference; only the order of the additions differs.
#include "kernels_internal.h"
#ifdef RF_X86
#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma,f16c")))

AVX2 static inline __m256i widen16_avx2(const uint8_t *q, int e4m3) {
    const __m128i b = _mm_loadu_si128((const __m128i *)q);
    if (e4m3) return _mm256_and_si256(_mm256_slli_epi16(_mm256_cvtepi8_epi16(b), 7), _mm256_set1_epi16((short)0xBFFF));
    return _mm256_slli_epi16(_mm256_cvtepu8_epi16(b), 8);
}

AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static float dot_avx2(int e4m3, int n, const void *vx, const void *vy) {
    float scale; memcpy(&scale, vx, 4);
    const uint8_t *q = (const uint8_t *)vx + RF_FP8_SCALE_BYTES;
    const float *y = vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i h0 = widen16_avx2(q + i, e4m3), h1 = widen16_avx2(q + i + 16, e4m3);
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(h0)), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(h0, 1)), _mm256_loadu_ps(y + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(h1)), _mm256_loadu_ps(y + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(h1, 1)), _mm256_loadu_ps(y + i + 24), a3);
    }
    float sum = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3))) * (e4m3 ? 256.0f : 1.0f);
    for (; i < n; i++) sum += (e4m3 ? rf_fp8_e4m3fn_to_fp32(q[i]) : rf_fp8_e5m2_to_fp32(q[i])) * y[i];
    return sum * scale;
}

float rf_vec_dot_fp8_e4m3_f32_avx2(int n, const void *x, const void *y) { return dot_avx2(1, n, x, y); }
float rf_vec_dot_fp8_e5m2_f32_avx2(int n, const void *x, const void *y) { return dot_avx2(0, n, x, y); }

// Four rows (rb bytes apart) × `cols` activation rows (xs bytes apart): each 16-code chunk of a row is widened
// once for every column; one accumulator per (row, column) takes the chunk's low then high eight products, so
// the four-row kernel (cols = 1) and the 4×4 tile (cols = 4) give a row the same result bit for bit.
AVX2 static inline void rows4_avx2(int e4m3, int n, const void *vw, size_t rb, const float *const *y, int cols, float *out, size_t os) {
    const uint8_t *q[4];
    for (int r = 0; r < 4; r++) q[r] = (const uint8_t *)vw + r * rb + RF_FP8_SCALE_BYTES;
    __m256 acc[4][4];
    for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 lo[4], hi[4];
        for (int r = 0; r < 4; r++) {
            const __m256i h = widen16_avx2(q[r] + i, e4m3);
            lo[r] = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
            hi[r] = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
        }
        for (int c = 0; c < cols; c++) {
            const __m256 ylo = _mm256_loadu_ps(y[c] + i), yhi = _mm256_loadu_ps(y[c] + i + 8);
            for (int r = 0; r < 4; r++) acc[r][c] = _mm256_fmadd_ps(hi[r], yhi, _mm256_fmadd_ps(lo[r], ylo, acc[r][c]));
        }
    }
    for (int r = 0; r < 4; r++) {
        float scale; memcpy(&scale, (const char *)vw + r * rb, 4);
        for (int c = 0; c < cols; c++) {
            float sum = hsum8(acc[r][c]) * (e4m3 ? 256.0f : 1.0f);
            for (int j = i; j < n; j++) sum += (e4m3 ? rf_fp8_e4m3fn_to_fp32(q[r][j]) : rf_fp8_e5m2_to_fp32(q[r][j])) * y[c][j];
            out[c * os + r] = sum * scale;
        }
    }
}

#define RF_FP8_MULTI(NAME, E4M3) \
void rf_vec_dot4_##NAME##_f32_avx2(int n, const void *w, size_t rb, const void *y, float *out) { \
    const float *ys[1] = { y }; rows4_avx2(E4M3, n, w, rb, ys, 1, out, 0); \
} \
void rf_tile4x4_##NAME##_f32_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t os) { \
    const float *ys[4]; \
    for (int c = 0; c < 4; c++) ys[c] = (const float *)((const char *)x + c * xs); \
    rows4_avx2(E4M3, n, w, rb, ys, 4, out, os); \
}
RF_FP8_MULTI(fp8_e4m3, 1)
RF_FP8_MULTI(fp8_e5m2, 0)

AVX512 static inline __m512i widen32_avx512(const uint8_t *q, int e4m3) {
    const __m256i b = _mm256_loadu_si256((const __m256i *)q);
    if (e4m3) return _mm512_and_si512(_mm512_slli_epi16(_mm512_cvtepi8_epi16(b), 7), _mm512_set1_epi16((short)0xBFFF));
    return _mm512_slli_epi16(_mm512_cvtepu8_epi16(b), 8);
}

AVX512 static float dot_avx512(int e4m3, int n, const void *vx, const void *vy) {
    float scale; memcpy(&scale, vx, 4);
    const uint8_t *q = (const uint8_t *)vx + RF_FP8_SCALE_BYTES;
    const float *y = vy;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i h0 = widen32_avx512(q + i, e4m3), h1 = widen32_avx512(q + i + 32, e4m3);
        a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h0)), _mm512_loadu_ps(y + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(h0, 1)), _mm512_loadu_ps(y + i + 16), a1);
        a2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h1)), _mm512_loadu_ps(y + i + 32), a2);
        a3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(h1, 1)), _mm512_loadu_ps(y + i + 48), a3);
    }
    for (; i + 32 <= n; i += 32) {
        const __m512i h0 = widen32_avx512(q + i, e4m3);
        a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h0)), _mm512_loadu_ps(y + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(h0, 1)), _mm512_loadu_ps(y + i + 16), a1);
    }
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))) * (e4m3 ? 256.0f : 1.0f);
    for (; i < n; i++) sum += (e4m3 ? rf_fp8_e4m3fn_to_fp32(q[i]) : rf_fp8_e5m2_to_fp32(q[i])) * y[i];
    return sum * scale;
}

float rf_vec_dot_fp8_e4m3_f32_avx512(int n, const void *x, const void *y) { return dot_avx512(1, n, x, y); }
float rf_vec_dot_fp8_e5m2_f32_avx512(int n, const void *x, const void *y) { return dot_avx512(0, n, x, y); }
#endif
