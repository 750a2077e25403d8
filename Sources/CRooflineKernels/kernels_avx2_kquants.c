// K-quant dot products (Q2_K..Q6_K with Q8_K activations, one row and four rows) for AVX2: maddubs + madd
// for the byte products.
#include "avx2_helpers.h"
#ifdef RF_X86
#define RF_KTARGET RF_AVX2
#define RF_KFN(name) name##_avx2
#define RF_DOTUS(u, s) _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
#include "kernels_kquants_impl.h"
#endif
