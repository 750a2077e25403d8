// The four-row and 4x4-tile kernels for AVX-512 VNNI on 256-bit vectors: vpdpbusd does the byte products
// and their sums in one instruction. Integer results equal the AVX2 ones exactly (no int16 saturation is
// possible with 4- or 5-bit weights, or |y| <= 127 after the sign trick for Q8_0/MXFP4), so the numbers are
// identical.
#include "avx2_helpers.h"
#ifdef RF_X86
#define RF_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define RF_KTARGET RF_VNNI
#define RF_KFN(name) name##_vnni
#define RF_DOTUS(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)
#include "kernels_rows4_impl.h"
#include "kernels_tile4x4_impl.h"
#endif
