// One-row dot products on AArch64's Advanced SIMD (NEON, present on every arm64 CPU; no dot-product
// extension assumed): the integer sum of each block exactly as the reference forms it (8-bit products
// widened to 16 bits, pairwise added into 32-bit lanes), then the reference's float epilogue per block, in
// the same order. Checked against the scalar reference by the test suite on arm64, and on x86 under SIMDe's
// NEON emulation (scripts/reference/check_neon_kernels.sh).
#include "kernels_internal.h"
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
