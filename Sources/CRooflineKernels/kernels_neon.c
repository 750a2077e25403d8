// Dot products on AArch64's Advanced SIMD (NEON, present on every arm64 CPU; no dot-product extension
// assumed). One row: the integer sum of each block exactly as the reference forms it (8-bit products widened
// to 16 bits, pairwise added into 32-bit lanes), then the reference's float epilogue per block, in the same
// order. Four rows × one activation row (decode, and every column of a batch on this path, which has no tile
// kernels): the x86 four-row kernels' arithmetic (kernels_rows4_impl.h), so a row gets the same bits from them
// on every path. Checked against the scalar reference by the test suite on arm64, and on x86 under SIMDe's
// NEON emulation (scripts/reference/check_neon_kernels.sh: one-row kernels against the reference, four-row
// kernels against the AVX2 four-row kernels, bit for bit).
#include "kernels_internal.h"
#include <string.h>
#ifdef RF_NEON
#ifdef RF_NEON_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/arm/neon.h>
#else
#include <arm_neon.h>
#endif

// acc + Σ a[i]·b[i] over 16 signed byte pairs, in 32-bit lanes (each product fits 16 bits: |a·b| <= 16384).
static inline int32x4_t rf_dot16_s8(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
}

float rf_vec_dot_q4_0_q8_0_neon(int n, const void *vx, const void *vy) {
    const rf_block_q4_0 *x = vx; const rf_block_q8_0 *y = vy;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t eight = vdupq_n_s8(8);
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        const uint8x16_t q = vld1q_u8(x[i].qs);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, m4)), eight);  // elements 0..15, minus 8
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);  // elements 16..31
        int32x4_t acc = rf_dot16_s8(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs));
        acc = rf_dot16_s8(acc, hi, vld1q_s8(y[i].qs + 16));
        const int sumi = vaddvq_s32(acc);
        sumf += (float)sumi * rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d);
    }
    return sumf;
}

float rf_vec_dot_q4_1_q8_1_neon(int n, const void *vx, const void *vy) {
    const rf_block_q4_1 *x = vx; const rf_block_q8_1 *y = vy;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        const uint8x16_t q = vld1q_u8(x[i].qs);
        int32x4_t acc = rf_dot16_s8(vdupq_n_s32(0), vreinterpretq_s8_u8(vandq_u8(q, m4)), vld1q_s8(y[i].qs));
        acc = rf_dot16_s8(acc, vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vld1q_s8(y[i].qs + 16));
        const int sumi = vaddvq_s32(acc);
        sumf += (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d)) * (float)sumi
              + rf_fp16_to_fp32(x[i].m) * rf_fp16_to_fp32(y[i].s);
    }
    return sumf;
}

// [Σa, Σb, Σc, Σd] of four vectors of 32-bit partial sums (exact).
static inline int32x4_t rf_sum4(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
    return vpaddq_s32(vpaddq_s32(a, b), vpaddq_s32(c, d));
}

// The 16-bit heads of block i of four rows (rb bytes apart) at byte offset `at`, as floats.
static inline float32x4_t rf_heads4(const char *w, size_t rb, size_t i, size_t bs, size_t at) {
    uint16_t h[4];
    for (int r = 0; r < 4; r++) memcpy(&h[r], w + r * rb + i * bs + at, 2);
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(h)));
}

// Block i of four Q4 rows against 32 activation bytes: each row's exact integer sum over both halves, the
// codes taken as n - `off` (8 for Q4_0, 0 for Q4_1).
static inline int32x4_t rf_q4_sums4(const char *w, size_t rb, size_t i, size_t bs, size_t at, const int8_t *y, int off) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t o = vdupq_n_s8((int8_t)off), ylo = vld1q_s8(y), yhi = vld1q_s8(y + 16);
    int32x4_t p[4];
    for (int r = 0; r < 4; r++) {
        const uint8x16_t q = vld1q_u8((const uint8_t *)(w + r * rb + i * bs + at));
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, m4)), o);
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), o);
        p[r] = rf_dot16_s8(rf_dot16_s8(vdupq_n_s32(0), lo, ylo), hi, yhi);
    }
    return rf_sum4(p[0], p[1], p[2], p[3]);
}

// Q4_1: acc = fma(float(sum), d·dy, acc) and summ += m·sy, even and odd blocks apart; (acc_e + acc_o) +
// (summ_e + summ_o).
void rf_vec_dot4_q4_1_q8_1_neon(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw;
    const rf_block_q8_1 *y = vy;
    float32x4_t acc[2] = { vdupq_n_f32(0), vdupq_n_f32(0) }, summ[2] = { vdupq_n_f32(0), vdupq_n_f32(0) };
    for (int i = 0; i < n / RF_QK; i++) {
        const int e = i & 1;
        const int32x4_t sums = rf_q4_sums4(w, rb, (size_t)i, sizeof(rf_block_q4_1), 4, y[i].qs, 0);
        const float32x4_t d4 = rf_heads4(w, rb, (size_t)i, sizeof(rf_block_q4_1), 0), m4 = rf_heads4(w, rb, (size_t)i, sizeof(rf_block_q4_1), 2);
        acc[e] = vfmaq_f32(acc[e], vcvtq_f32_s32(sums), vmulq_f32(d4, vdupq_n_f32(rf_fp16_to_fp32(y[i].d))));
        summ[e] = vaddq_f32(summ[e], vmulq_f32(m4, vdupq_n_f32(rf_fp16_to_fp32(y[i].s))));
    }
    vst1q_f32(out, vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(summ[0], summ[1])));
}

// Q4_0: acc = fma(float(Σ(n - 8)·y), d·dy, acc), even and odd blocks apart; acc_e + acc_o.
void rf_vec_dot4_q4_0_q8_0_neon(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw;
    const rf_block_q8_0 *y = vy;
    float32x4_t acc[2] = { vdupq_n_f32(0), vdupq_n_f32(0) };
    for (int i = 0; i < n / RF_QK; i++) {
        const int32x4_t sums = rf_q4_sums4(w, rb, (size_t)i, sizeof(rf_block_q4_0), 2, y[i].qs, 8);
        const float32x4_t d4 = rf_heads4(w, rb, (size_t)i, sizeof(rf_block_q4_0), 0);
        acc[i & 1] = vfmaq_f32(acc[i & 1], vcvtq_f32_s32(sums), vmulq_f32(d4, vdupq_n_f32(rf_fp16_to_fp32(y[i].d))));
    }
    vst1q_f32(out, vaddq_f32(acc[0], acc[1]));
}

// Q8_0: per half block (elements 0-15 and 16-31) its own sum and accumulator; (acc_lo + acc_hi) + 0.
void rf_vec_dot4_q8_0_q8_0_neon(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw;
    const rf_block_q8_0 *y = vy;
    float32x4_t lo = vdupq_n_f32(0), hi = vdupq_n_f32(0);
    for (int i = 0; i < n / RF_QK; i++) {
        const int8x16_t ylo = vld1q_s8(y[i].qs), yhi = vld1q_s8(y[i].qs + 16);
        int32x4_t pl[4], ph[4];
        for (int r = 0; r < 4; r++) {
            const int8_t *q = (const int8_t *)(w + r * rb + (size_t)i * sizeof(rf_block_q8_0) + 2);
            pl[r] = rf_dot16_s8(vdupq_n_s32(0), vld1q_s8(q), ylo);
            ph[r] = rf_dot16_s8(vdupq_n_s32(0), vld1q_s8(q + 16), yhi);
        }
        const float32x4_t d4 = vmulq_f32(rf_heads4(w, rb, (size_t)i, sizeof(rf_block_q8_0), 0), vdupq_n_f32(rf_fp16_to_fp32(y[i].d)));
        lo = vfmaq_f32(lo, vcvtq_f32_s32(rf_sum4(pl[0], pl[1], pl[2], pl[3])), d4);
        hi = vfmaq_f32(hi, vcvtq_f32_s32(rf_sum4(ph[0], ph[1], ph[2], ph[3])), d4);
    }
    vst1q_f32(out, vaddq_f32(vaddq_f32(lo, hi), vdupq_n_f32(0)));
}

float rf_vec_dot_q8_0_q8_0_neon(int n, const void *vx, const void *vy) {
    const rf_block_q8_0 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        int32x4_t acc = rf_dot16_s8(vdupq_n_s32(0), vld1q_s8(x[i].qs), vld1q_s8(y[i].qs));
        acc = rf_dot16_s8(acc, vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16));
        const int sumi = vaddvq_s32(acc);
        sumf += (float)sumi * (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d));
    }
    return sumf;
}
#endif
