// K-quant dot products (Q2_K..Q6_K with Q8_K activations, one row and four rows) for AVX-512 VNNI on
// 256-bit vectors: vpdpbusd does the byte products and their sums in one instruction; integer results
// equal the AVX2 ones exactly, so the numbers are identical.
#include "avx2_helpers.h"
#ifdef RF_X86
#define RF_KTARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define RF_KFN(name) name##_vnni
#define RF_DOTUS(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)
#include "kernels_kquants_impl.h"
#endif
