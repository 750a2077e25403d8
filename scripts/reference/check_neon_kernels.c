// Checks the NEON dot products (kernels_neon.c) against the scalar reference kernels on random blocks, on any
// machine: on x86 through SIMDe's NEON emulation (a checkout outside the repo; see check_neon_kernels.sh).
// The NEON kernels form each block's integer sum exactly and then run the reference's own float epilogue, so
// the results must be equal bit for bit.
#include "kernels_internal.h"
#include <stdio.h>
#include <stdlib.h>

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
    return bad != 0;
}
