// Scalar reference code for MXFP4 (ggml's block_mxfp4): weight quantizer (quantize_row_mxfp4_ref), row
// dequantizer and dot product with Q8_0 activations (ggml_vec_dot_mxfp4_q8_0_generic). ggml stores E2M1
// values doubled (kvalues_mxfp4) and halves the E8M0 scale to match (ggml_e8m0_to_fp32_half).
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

const int8_t rf_kvalues_mxfp4[16] = { 0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12 };

float rf_e8m0_to_fp32_half(uint8_t e) {
    const uint32_t bits = e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
    float f; memcpy(&f, &bits, 4); return f;
}

// The code whose value (times d) is nearest x; the first on ties (ggml's best_index_mxfp4).
int rf_best_index_mxfp4(float x, float d) {
    int best = 0;
    float best_err = fabsf(rf_kvalues_mxfp4[0] * d - x);
    for (int i = 1; i < 16; i++) {
        const float err = fabsf(rf_kvalues_mxfp4[i] * d - x);
        if (err < best_err) { best = i; best_err = err; }
    }
    return best;
}

void rf_quantize_row_mxfp4_ref(const float *x, void *vy, int64_t k) {
    rf_block_mxfp4 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++, x += RF_QK) {
        float amax = 0.0f;
        for (int j = 0; j < RF_QK; j++) if (amax < fabsf(x[j])) amax = fabsf(x[j]);
        // ggml: (uint8_t)(floorf(log2f(amax)) - 2 + 127); clamped so tiny blocks cannot wrap the scale.
        const float le = amax > 0.0f ? floorf(log2f(amax)) - 2 + 127 : 0.0f;
        const uint8_t e = (uint8_t)(le < 0 ? 0 : le > 254 ? 254 : le);
        const float d = rf_e8m0_to_fp32_half(e);
        y[i].e = e;
        for (int j = 0; j < 16; j++) {
            y[i].qs[j] = (uint8_t)(rf_best_index_mxfp4(x[j], d) | (rf_best_index_mxfp4(x[j + 16], d) << 4));
        }
    }
}

void rf_dequantize_row_mxfp4(const void *vx, float *y, int64_t k) {
    const rf_block_mxfp4 *x = vx;
    for (int64_t i = 0; i < k / RF_QK; i++) {
        const float d = rf_e8m0_to_fp32_half(x[i].e);
        for (int j = 0; j < 16; j++) {
            y[i * RF_QK + j] = rf_kvalues_mxfp4[x[i].qs[j] & 0x0F] * d;
            y[i * RF_QK + j + 16] = rf_kvalues_mxfp4[x[i].qs[j] >> 4] * d;
        }
    }
}

float rf_vec_dot_mxfp4_q8_0_ref(int n, const void *vx, const void *vy) {
    const rf_block_mxfp4 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        const float d = rf_fp16_to_fp32(y[i].d) * rf_e8m0_to_fp32_half(x[i].e);
        int sumi1 = 0, sumi2 = 0;
        for (int j = 0; j < 16; j++) {
            sumi1 += y[i].qs[j] * rf_kvalues_mxfp4[x[i].qs[j] & 0x0F];
            sumi2 += y[i].qs[j + 16] * rf_kvalues_mxfp4[x[i].qs[j] >> 4];
        }
        sumf += d * (float)(sumi1 + sumi2);
    }
    return sumf;
}
