// Small AVX2 helpers shared by the x86 kernel files (each compiled with the same target attribute).
#ifndef CROOFLINE_AVX2_HELPERS_H
#define CROOFLINE_AVX2_HELPERS_H
#include "kernels_internal.h"
#ifdef RF_X86
#include <immintrin.h>
#include <string.h>

#define RF_AVX2 __attribute__((target("avx2,fma,f16c")))

RF_AVX2 static inline float rf_hsum_f32_8(__m256 x) {
    __m128 res = _mm256_extractf128_ps(x, 1);
    res = _mm_add_ps(res, _mm256_castps256_ps128(x));
    res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    res = _mm_add_ss(res, _mm_movehdup_ps(res));
    return _mm_cvtss_f32(res);
}

RF_AVX2 static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }
// F32 -> F16 with the F16C instruction, round to nearest even: rf_fp32_to_fp16's value for every non-NaN input
// (ggml converts with the same instruction on x86), in one instruction instead of about twenty.
RF_AVX2 static inline uint16_t f2h(float f) { return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }

// unsigned x signed bytes, summed to 8 floats
RF_AVX2 static inline __m256 mul_sum_us8_pairs_float(const __m256i ax, const __m256i sy) {
    const __m256i dot = _mm256_maddubs_epi16(ax, sy);
    const __m256i summed = _mm256_madd_epi16(_mm256_set1_epi16(1), dot);
    return _mm256_cvtepi32_ps(summed);
}

RF_AVX2 static inline __m256 mul_sum_i8_pairs_float(const __m256i x, const __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return mul_sum_us8_pairs_float(ax, sy);
}

// 32 nibbles -> 32 bytes: low nibbles in bytes 0..15, high nibbles in 16..31 (ggml's block order).
RF_AVX2 static inline __m256i rf_nibbles32(const uint8_t *q) {
    const __m128i t = _mm_loadu_si128((const __m128i *)q);
    return _mm256_and_si256(_mm256_set1_epi8(0x0F), _mm256_insertf128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1));
}

// Bit j of the 32-bit qh -> byte j = 0xFF when set, else 0 (ggml's bytes_from_bits_32).
RF_AVX2 static inline __m256i rf_bytes_from_bits32(const uint8_t *qh) {
    uint32_t x32; memcpy(&x32, qh, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    const __m256i bytes = _mm256_or_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)x32), shuf),
                                          _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// The 32 unsigned 5-bit codes of a Q5_0/Q5_1 block: the nibbles with the fifth bits from qh.
RF_AVX2 static inline __m256i rf_q5_codes32(const uint8_t *qs, const uint8_t *qh) {
    return _mm256_or_si256(rf_nibbles32(qs), _mm256_and_si256(rf_bytes_from_bits32(qh), _mm256_set1_epi8(0x10)));
}

// per 128-bit lane: [sum(a), sum(b), sum(c), sum(d)] of that lane's four int32s
RF_AVX2 static inline __m256i rf_reduce4(__m256i a, __m256i b, __m256i c, __m256i d) {
    return _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
}

// rf_reduce4's two halves added: the four rows' sums over the whole block (exact integers).
RF_AVX2 static inline __m128i rf_halves_sum(__m256i p) { return _mm_add_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1)); }

// The first 32 bits of block i of each of four rows, as eight halves converted to floats and reordered to
// [h0 of rows 0..3, h1 of rows 0..3] (Q4_1: [d0..d3, m0..m3]; Q4_0/Q8_0: [d0..d3, unused]).
#define RF_HEADS4(w0, w1, w2, w3, i) \
    _mm256_permutevar8x32_ps(_mm256_cvtph_ps(_mm_setr_epi32(*(const int *)&(w0)[i], *(const int *)&(w1)[i], \
                                                             *(const int *)&(w2)[i], *(const int *)&(w3)[i])), \
                             _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7))
#endif
#endif
