// Checks the NEON dot products (kernels_neon.c) on random blocks, on any machine: on x86 through SIMDe's NEON
// emulation (a checkout outside the repo; see check_neon_kernels.sh). The one-row kernels form each block's
// integer sum exactly and then run the reference's own float epilogue, so they must equal the scalar reference
// bit for bit; the four-row kernels follow the x86 four-row kernels' arithmetic, so on x86 they must equal the
// AVX2 four-row kernels bit for bit.
#include "kernels_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1664525u + 1013904223u; return rng >> 8; }
static uint16_t half(float lo, float hi) {  // a random F16 in [lo, hi) (via the reference encoder)
    return rf_fp32_to_fp16(lo + (hi - lo) * (float)(next() & 0xFFFF) / 65536.0f);
}

int main(void) {
    enum { MAXB = 64 };
    static rf_block_q4_0 w0[MAXB]; static rf_block_q4_1 w1[MAXB]; static rf_block_q8_0 w8[MAXB];
    static rf_block_q8_0 y0[MAXB]; static rf_block_q8_1 y1[MAXB];
    long checked = 0, bad = 0;
    for (int trial = 0; trial < 20000; trial++) {
        const int nb = 1 + (int)(next() % MAXB);
        for (int i = 0; i < nb; i++) {
            w0[i].d = half(-0.1f, 0.1f); w1[i].d = half(0, 0.1f); w1[i].m = half(-0.5f, 0.5f); w8[i].d = half(-0.05f, 0.05f);
            y0[i].d = half(0, 0.05f); y1[i].d = half(0, 0.05f); y1[i].s = half(-20, 20);
            for (int j = 0; j < 16; j++) { w0[i].qs[j] = (uint8_t)next(); w1[i].qs[j] = (uint8_t)next(); }
            for (int j = 0; j < 32; j++) {
                // the full int8 range, -128 included, in both operands of Q8_0 · Q8_0
                w8[i].qs[j] = (int8_t)next(); y0[i].qs[j] = (int8_t)next(); y1[i].qs[j] = (int8_t)next();
            }
        }
        const int n = nb * RF_QK;
        const float r[3] = { rf_vec_dot_q4_0_q8_0_ref(n, w0, y0), rf_vec_dot_q4_1_q8_1_ref(n, w1, y1), rf_vec_dot_q8_0_q8_0_ref(n, w8, y0) };
        const float v[3] = { rf_vec_dot_q4_0_q8_0_neon(n, w0, y0), rf_vec_dot_q4_1_q8_1_neon(n, w1, y1), rf_vec_dot_q8_0_q8_0_neon(n, w8, y0) };
        for (int k = 0; k < 3; k++) {
            checked++;
            if (memcmp(&r[k], &v[k], sizeof(float)) != 0) {
                if (bad++ < 5) printf("kernel %d, %d blocks: reference %.9g, neon %.9g\n", k, nb, (double)r[k], (double)v[k]);
            }
        }
    }
    printf("%ld dot products checked (Q4_0, Q4_1, Q8_0), %ld differ from the reference\n", checked, bad);
    long checked4 = 0, bad4 = 0;
#ifdef RF_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        static rf_block_q4_0 v0[4 * MAXB]; static rf_block_q4_1 v1[4 * MAXB]; static rf_block_q8_0 v8[4 * MAXB];
        for (int trial = 0; trial < 20000; trial++) {
            const int nb = 1 + (int)(next() % MAXB);
            for (int i = 0; i < 4 * nb; i++) {
                v0[i].d = half(-0.1f, 0.1f); v1[i].d = half(0, 0.1f); v1[i].m = half(-0.5f, 0.5f); v8[i].d = half(-0.05f, 0.05f);
                for (int j = 0; j < 16; j++) { v0[i].qs[j] = (uint8_t)next(); v1[i].qs[j] = (uint8_t)next(); }
                for (int j = 0; j < 32; j++) v8[i].qs[j] = (int8_t)(next() % 255 - 127);  // ggml's Q8_0 codes: within ±127
            }
            for (int i = 0; i < nb; i++) {
                y0[i].d = half(0, 0.05f); y1[i].d = half(0, 0.05f); y1[i].s = half(-20, 20);
                // activations as the quantizers write them (within ±127: the x86 Q8_0 kernels' sign trick needs it)
                for (int j = 0; j < 32; j++) { y0[i].qs[j] = (int8_t)(next() % 255 - 127); y1[i].qs[j] = (int8_t)(next() % 255 - 127); }
            }
            const int n = nb * RF_QK;
            float r[3][4], v[3][4];
            rf_vec_dot4_q4_0_q8_0_avx2(n, v0, (size_t)nb * sizeof(rf_block_q4_0), y0, r[0]);
            rf_vec_dot4_q4_1_q8_1_avx2(n, v1, (size_t)nb * sizeof(rf_block_q4_1), y1, r[1]);
            rf_vec_dot4_q8_0_q8_0_avx2(n, v8, (size_t)nb * sizeof(rf_block_q8_0), y0, r[2]);
            rf_vec_dot4_q4_0_q8_0_neon(n, v0, (size_t)nb * sizeof(rf_block_q4_0), y0, v[0]);
            rf_vec_dot4_q4_1_q8_1_neon(n, v1, (size_t)nb * sizeof(rf_block_q4_1), y1, v[1]);
            rf_vec_dot4_q8_0_q8_0_neon(n, v8, (size_t)nb * sizeof(rf_block_q8_0), y0, v[2]);
            for (int k = 0; k < 3; k++) {
                checked4++;
                if (memcmp(r[k], v[k], sizeof r[k]) != 0 && bad4++ < 5)
                    printf("four-row kernel %d, %d blocks: avx2 %.9g %.9g %.9g %.9g, neon %.9g %.9g %.9g %.9g\n", k, nb,
                           (double)r[k][0], (double)r[k][1], (double)r[k][2], (double)r[k][3],
                           (double)v[k][0], (double)v[k][1], (double)v[k][2], (double)v[k][3]);
            }
        }
        printf("%ld four-row calls checked (Q4_0, Q4_1, Q8_0; four rows each), %ld differ from the AVX2 four-row kernels\n", checked4, bad4);
    }
#endif
    return bad != 0 || bad4 != 0;
}
