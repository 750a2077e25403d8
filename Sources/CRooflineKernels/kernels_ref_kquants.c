// Scalar reference code for the K-quants Q2_K, Q3_K, Q4_K, Q5_K and Q6_K (ggml-common.h layouts): row
// dequantizers in ggml's arithmetic order (dequantize_row_q*_K, so results equal gguf.quants bit for bit),
// the Q8_K activation quantizer (quantize_row_q8_K_ref, which x86 ggml uses as is) and dot products with
// Q8_K activations. Every type is first unpacked per super-block into integer codes, integer sub-block
// scales and mins: value = (d * scale) * code - (dmin * min), one formula for dequantizing and the dot.
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

typedef struct {
    int8_t q[RF_QK_K];
    int scale[16], min[16];
    int n_sub, sub_len;  // 8 × 32 or 16 × 16
    float d, dmin;
} kblock;

// ggml's get_scale_min_k4: 6-bit scale and min j (0..7) of Q4_K/Q5_K.
static inline void scale_min_k4(int j, const uint8_t *q, int *d, int *m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else { *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}

static void unpack_q2_K(const rf_block_q2_K *x, kblock *b) {
    b->n_sub = 16; b->sub_len = 16;
    b->d = rf_fp16_to_fp32(x->d); b->dmin = rf_fp16_to_fp32(x->dmin);
    for (int s = 0; s < 16; s++) { b->scale[s] = x->scales[s] & 0xF; b->min[s] = x->scales[s] >> 4; }
    for (int n = 0; n < 2; n++)           // 128 values per 32 bytes of qs, four 2-bit planes
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) b->q[n * 128 + j * 32 + l] = (int8_t)((x->qs[n * 32 + l] >> (2 * j)) & 3);
}

static void unpack_q3_K(const rf_block_q3_K *x, kblock *b) {
    b->n_sub = 16; b->sub_len = 16;
    b->d = rf_fp16_to_fp32(x->d); b->dmin = 0;
    uint32_t aux[4];
    rf_q3_K_scales(x->scales, aux);
    const int8_t *sc = (const int8_t *)aux;
    for (int s = 0; s < 16; s++) { b->scale[s] = sc[s] - 32; b->min[s] = 0; }
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 4; j++) {
            const int m = 1 << (n * 4 + j);
            for (int l = 0; l < 32; l++) {
                const int lo = (x->qs[n * 32 + l] >> (2 * j)) & 3;
                b->q[n * 128 + j * 32 + l] = (int8_t)(lo - ((x->hmask[l] & m) ? 0 : 4));
            }
        }
}

static void unpack_q45_K(const uint8_t *scales, uint16_t d, uint16_t dmin, kblock *b) {
    b->n_sub = 8; b->sub_len = 32;
    b->d = rf_fp16_to_fp32(d); b->dmin = rf_fp16_to_fp32(dmin);
    for (int s = 0; s < 8; s++) scale_min_k4(s, scales, &b->scale[s], &b->min[s]);
}

static void unpack_q4_K(const rf_block_q4_K *x, kblock *b) {
    unpack_q45_K(x->scales, x->d, x->dmin, b);
    for (int j = 0; j < 4; j++)
        for (int l = 0; l < 32; l++) {
            b->q[j * 64 + l] = (int8_t)(x->qs[j * 32 + l] & 0xF);
            b->q[j * 64 + 32 + l] = (int8_t)(x->qs[j * 32 + l] >> 4);
        }
}

static void unpack_q5_K(const rf_block_q5_K *x, kblock *b) {
    unpack_q45_K(x->scales, x->d, x->dmin, b);
    for (int j = 0; j < 4; j++)
        for (int l = 0; l < 32; l++) {
            const int h1 = (x->qh[l] >> (2 * j)) & 1, h2 = (x->qh[l] >> (2 * j + 1)) & 1;
            b->q[j * 64 + l] = (int8_t)((x->qs[j * 32 + l] & 0xF) + 16 * h1);
            b->q[j * 64 + 32 + l] = (int8_t)((x->qs[j * 32 + l] >> 4) + 16 * h2);
        }
}

static void unpack_q6_K(const rf_block_q6_K *x, kblock *b) {
    b->n_sub = 16; b->sub_len = 16;
    b->d = rf_fp16_to_fp32(x->d); b->dmin = 0;
    for (int s = 0; s < 16; s++) { b->scale[s] = x->scales[s]; b->min[s] = 0; }
    for (int n = 0; n < 2; n++) {
        const uint8_t *ql = x->ql + 64 * n, *qh = x->qh + 32 * n;
        int8_t *q = b->q + 128 * n;
        for (int l = 0; l < 32; l++) {
            q[l] = (int8_t)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            q[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            q[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            q[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

// Unpacks super-block i of a row of `type`; returns 0 for a type that is not a K-quant.
static int unpack(int type, const void *row, int64_t i, kblock *b) {
    switch (type) {
    case RF_Q2_K: unpack_q2_K((const rf_block_q2_K *)row + i, b); return 1;
    case RF_Q3_K: unpack_q3_K((const rf_block_q3_K *)row + i, b); return 1;
    case RF_Q4_K: unpack_q4_K((const rf_block_q4_K *)row + i, b); return 1;
    case RF_Q5_K: unpack_q5_K((const rf_block_q5_K *)row + i, b); return 1;
    case RF_Q6_K: unpack_q6_K((const rf_block_q6_K *)row + i, b); return 1;
    default: return 0;
    }
}

int rf_dequantize_row_kquant(int type, const void *x, float *y, int64_t k) {
    kblock b;
    for (int64_t i = 0; i < k / RF_QK_K; i++) {
        if (!unpack(type, x, i, &b)) return -1;
        for (int s = 0; s < b.n_sub; s++) {
            const float dl = b.d * (float)b.scale[s], ml = b.dmin * (float)b.min[s];
            for (int l = 0; l < b.sub_len; l++) {
                const int j = s * b.sub_len + l;
                y[i * RF_QK_K + j] = dl * (float)b.q[j] - ml;
            }
        }
    }
    return 0;
}

void rf_quantize_row_q8_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q8_K *y = vy;
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < RF_QK_K; j++) if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); max = x[j]; }
        if (amax == 0.0f) { memset(&y[i], 0, sizeof y[i]); continue; }
        const float iscale = -127.f / max;
        for (int j = 0; j < RF_QK_K; j++) {
            const int v = (int)nearbyintf(iscale * x[j]);
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) sum += y[i].qs[j * 16 + l];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1 / iscale;
    }
}

float rf_vec_dot_kquant_q8_K_ref(int type, int n, const void *x, const void *vy) {
    const rf_block_q8_K *y = vy;
    kblock b;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK_K; i++) {
        if (!unpack(type, x, i, &b)) return NAN;
        int isum = 0, msum = 0;
        for (int s = 0; s < b.n_sub; s++) {
            int dot = 0, ysum = 0;
            for (int l = 0; l < b.sub_len; l++) {
                const int j = s * b.sub_len + l;
                dot += b.q[j] * y[i].qs[j];
            }
            for (int g = 0; g < b.sub_len / 16; g++) ysum += y[i].bsums[s * b.sub_len / 16 + g];
            isum += b.scale[s] * dot;
            msum += b.min[s] * ysum;
        }
        sumf += b.d * y[i].d * (float)isum - b.dmin * y[i].d * (float)msum;
    }
    return sumf;
}

float rf_vec_dot_q2_K_q8_K_ref(int n, const void *x, const void *y) { return rf_vec_dot_kquant_q8_K_ref(RF_Q2_K, n, x, y); }
float rf_vec_dot_q3_K_q8_K_ref(int n, const void *x, const void *y) { return rf_vec_dot_kquant_q8_K_ref(RF_Q3_K, n, x, y); }
float rf_vec_dot_q4_K_q8_K_ref(int n, const void *x, const void *y) { return rf_vec_dot_kquant_q8_K_ref(RF_Q4_K, n, x, y); }
float rf_vec_dot_q5_K_q8_K_ref(int n, const void *x, const void *y) { return rf_vec_dot_kquant_q8_K_ref(RF_Q5_K, n, x, y); }
float rf_vec_dot_q6_K_q8_K_ref(int n, const void *x, const void *y) { return rf_vec_dot_kquant_q8_K_ref(RF_Q6_K, n, x, y); }
