// Scalar reference code for NVFP4 as ggml defines it (block_nvfp4: 64 values in four sub-blocks of 16, each
// with an unsigned E4M3 scale; E2M1 codes as kvalues_mxfp4, doubled, with the scale halved to match):
// ggml_ue4m3_to_fp32 / ggml_fp32_to_ue4m3 (ggml-impl.h), quantize_row_nvfp4_ref (ggml-quants.c), row
// dequantizer and the dot product with Q8_0 activations (ggml_vec_dot_nvfp4_q8_0_generic). The optional
// per-tensor second scale (a ".scale" tensor beside the weight) is applied by the model, not here.
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

// ggml_ue4m3_to_fp32 (value / 2), built from bits instead of ldexpf: the same exact values, cheap enough for
// the dot-product loops (ldexpf made NVFP4 prefill several times slower).
float rf_ue4m3_to_fp32_half(uint8_t x) {
    if (x == 0 || x == 0x7F) return 0.0f;
    const uint32_t exp = (x >> 3) & 0xF, man = x & 0x7;
    if (exp == 0) return (float)man * 0x1p-10f;  // man * 2^-9 / 2
    const uint32_t bits = ((exp - 8 + 127) << 23) | (man << 20);
    float f; memcpy(&f, &bits, 4); return f;
}

// ggml_fp32_to_ue4m3: positive values only (else 0), clamped to 448, round half up on the mantissa.
static uint8_t fp32_to_ue4m3(float x) {
    if (!(x > 0.0f)) return 0;
    if (x > 448.0f) x = 448.0f;
    uint32_t bits; memcpy(&bits, &x, 4);
    const int fp32_exp = (int)((bits >> 23) & 0xFF) - 127;
    const int fp32_man = (int)((bits >> 20) & 0x7);
    int e = fp32_exp + 7;
    if (e <= 0) {
        int man = (int)(x * 512.0f + 0.5f);
        if (man > 7) man = 7;
        return man < 1 ? 0 : (uint8_t)man;
    }
    if (e >= 15) return 0x7E;
    int man = fp32_man + (int)((bits >> 19) & 1);
    if (man > 7) {
        man = 0;
        if (++e >= 15) return 0x7E;
    }
    return (uint8_t)((e << 3) | man);
}

void rf_quantize_row_nvfp4_ref(const float *x, void *vy, int64_t k) {
    rf_block_nvfp4 *y = vy;
    for (int64_t i = 0; i < k / RF_QK_NVFP4; i++) {
        for (int s = 0; s < 4; s++) {
            const float *xb = x + i * RF_QK_NVFP4 + s * 16;
            float amax = 0.0f;
            for (int j = 0; j < 16; j++) if (amax < fabsf(xb[j])) amax = fabsf(xb[j]);
            const uint8_t ue = fp32_to_ue4m3(amax / 6.0f);
            y[i].d[s] = ue;
            const float d = rf_ue4m3_to_fp32_half(ue);
            for (int j = 0; j < 8; j++) {
                y[i].qs[s * 8 + j] = (uint8_t)(rf_best_index_mxfp4(xb[j], d) | (rf_best_index_mxfp4(xb[j + 8], d) << 4));
            }
        }
    }
}

void rf_dequantize_row_nvfp4(const void *vx, float *y, int64_t k) {
    const rf_block_nvfp4 *x = vx;
    for (int64_t i = 0; i < k / RF_QK_NVFP4; i++) {
        for (int s = 0; s < 4; s++) {
            const float d = rf_ue4m3_to_fp32_half(x[i].d[s]);
            float *yb = y + i * RF_QK_NVFP4 + s * 16;
            for (int j = 0; j < 8; j++) {
                yb[j] = rf_kvalues_mxfp4[x[i].qs[s * 8 + j] & 0x0F] * d;
                yb[j + 8] = rf_kvalues_mxfp4[x[i].qs[s * 8 + j] >> 4] * d;
            }
        }
    }
}

float rf_vec_dot_nvfp4_q8_0_ref(int n, const void *vx, const void *vy) {
    const rf_block_nvfp4 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK_NVFP4; i++) {
        for (int s = 0; s < 4; s++) {
            const float d = rf_ue4m3_to_fp32_half(x[i].d[s]);
            const rf_block_q8_0 *yb = &y[2 * i + s / 2];
            const int off = (s % 2) * 16;
            const float dy = rf_fp16_to_fp32(yb->d);
            int lo = 0, hi = 0;
            for (int j = 0; j < 8; j++) {
                const uint8_t q = x[i].qs[s * 8 + j];
                lo += yb->qs[off + j] * rf_kvalues_mxfp4[q & 0x0F];
                hi += yb->qs[off + j + 8] * rf_kvalues_mxfp4[q >> 4];
            }
            sumf += dy * d * (float)(lo + hi);
        }
    }
    return sumf;
}
