// Compares Roofline's vector expf (Sources/CRooflineKernels/expf_avx512.c) with the C library's expf on every
// float from -110 to 89 (about 2.24 billion values; ten seconds on one Zen 4 core). Run from the repository root:
//   clang -O2 -ISources/CRooflineKernels/include -ISources/CRooflineKernels -o /tmp/check_expf \
//     scripts/reference/check_expf_avx512.c Sources/CRooflineKernels/expf_avx512.c -lm && /tmp/check_expf
// Prints the count checked and the mismatches (with the first few); exits 1 on any mismatch.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
void rf_expf_avx512(const float *x, float *y, int n);
int rf_expf_avx512_exact(void);

int main(void) {
    static float in[1 << 16], out[1 << 16];
    long bad = 0, total = 0;
    printf("runtime sweep says exact: %d\n", rf_expf_avx512_exact());
    for (int sign = 0; sign < 2; sign++) {
        uint32_t u = sign ? 0x80000000u : 0u;
        for (;;) {
            int n = 0;
            for (; n < (1 << 16); n++, u++) {
                float f;
                memcpy(&f, &u, 4);
                if (sign ? f < -110.0f : f > 89.0f) break;
                in[n] = f;
            }
            rf_expf_avx512(in, out, n);
            for (int j = 0; j < n; j++) {
                const float e = expf(in[j]);
                if (memcmp(&e, &out[j], 4) != 0 && !(isnan(e) && isnan(out[j]))) {
                    if (bad < 5) printf("mismatch: x = %a, expf = %a, vector = %a\n", in[j], e, out[j]);
                    bad++;
                }
            }
            total += n;
            if (n < (1 << 16)) break;
        }
    }
    printf("checked %ld values, %ld mismatches\n", total, bad);
    return bad != 0;
}
